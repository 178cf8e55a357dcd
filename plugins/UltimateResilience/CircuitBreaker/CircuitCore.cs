using System.Globalization;
using Polly.CircuitBreaker;

namespace UltimateResilience.CircuitBreaker;

/// <summary>What a call was told on entry: let through (as a probe of the half-open circuit or not) or rejected.</summary>
internal readonly record struct Admission(bool Allowed, bool Probe, int Generation, CircuitState State, string? Reason, TimeSpan RetryAfter);

/// <summary>A change of state a call or a manual command caused, for telemetry.</summary>
internal enum Transition
{
    None,
    Opened,
    HalfOpened,
    Closed,
}

/// <summary>
/// The state machine every custom breaker shares: closed (the health window decides when to open), open for a break that grows
/// by the backoff factor on each reopening, half-open (a number of probe permits, or a gradual ramp of the admitted share),
/// isolated by hand. Deterministic: time is passed in; thread-safe behind one lock; no allocation except when it opens.
/// </summary>
internal sealed class CircuitCore
{
    private readonly Lock _gate = new();
    private readonly IHealthWindow _window;
    private readonly TimeSpan _break;
    private readonly TimeSpan _maxBreak;
    private readonly double _backoff;
    private readonly int _permits;
    private readonly int _steps;
    private readonly int _successesPerStep;

    private CircuitState _state = CircuitState.Closed;
    private int _generation;
    private long _openUntil;
    private int _reopenings;
    private int _probesAdmitted;
    private int _probesSucceeded;
    private int _step;
    private long _offered;
    private long _admitted;

    public CircuitCore(CircuitBreakerOptionsBase options)
    {
        _window = options.CreateWindow();
        _break = options.BreakDuration;
        _maxBreak = options.MaxBreakDuration;
        _backoff = options.BreakBackoffFactor;
        _permits = options.HalfOpenPermits;
        (_steps, _successesPerStep) = options.Ramp;
        NeedsDuration = _window.NeedsDuration || options.SlowCallDuration is not null;
    }

    public bool NeedsDuration { get; }

    /// <summary>The state as last changed (an open circuit whose break is over turns half-open at the next call).</summary>
    public CircuitState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Why the circuit last opened or was isolated.</summary>
    public string? LastReason { get; private set; }

    /// <summary>The length of the current (or last) break.</summary>
    public TimeSpan CurrentBreak { get; private set; }

    public Admission Enter(long nowTicks, out Transition transition)
    {
        lock (_gate)
        {
            transition = Transition.None;
            switch (_state)
            {
                case CircuitState.Closed:
                    return new(true, false, _generation, _state, null, TimeSpan.Zero);
                case CircuitState.Isolated:
                    return new(false, false, _generation, _state, LastReason, _maxBreak);
                case CircuitState.Open when nowTicks < _openUntil:
                    return new(false, false, _generation, _state, LastReason, TimeSpan.FromTicks(_openUntil - nowTicks));
                case CircuitState.Open:
                    _state = CircuitState.HalfOpen;
                    _generation++;
                    _probesAdmitted = _probesSucceeded = 0;
                    _step = 0;
                    _offered = _admitted = 0;
                    transition = Transition.HalfOpened;
                    break;
            }

            // Half-open.
            if (_steps > 0)
            {
                _offered++;
                if (_admitted * _steps < _offered * (_step + 1))
                {
                    _admitted++;
                    return new(true, true, _generation, _state, null, TimeSpan.Zero);
                }

                return new(false, false, _generation, _state, RampReason(), TimeSpan.Zero);
            }

            if (_probesAdmitted < _permits)
            {
                _probesAdmitted++;
                return new(true, true, _generation, _state, null, TimeSpan.Zero);
            }

            return new(false, false, _generation, _state,
                string.Create(CultureInfo.InvariantCulture, $"half-open with all {_permits} probe permits taken"), TimeSpan.Zero);
        }
    }

    /// <summary>Records the outcome of an admitted call; a call from an earlier state (before the circuit changed) is ignored.</summary>
    public Transition Record(in Admission admission, bool failure, TimeSpan duration, long nowTicks)
    {
        lock (_gate)
        {
            if (admission.Generation != _generation)
            {
                return Transition.None;
            }

            if (!admission.Probe)
            {
                if (_state == CircuitState.Closed && _window.Record(failure, duration, nowTicks) is { } why)
                {
                    Open(nowTicks, why);
                    return Transition.Opened;
                }

                return Transition.None;
            }

            if (failure)
            {
                Open(nowTicks, "a half-open probe failed");
                return Transition.Opened;
            }

            if (_steps > 0)
            {
                if (++_probesSucceeded < _successesPerStep)
                {
                    return Transition.None;
                }

                _probesSucceeded = 0;
                _offered = _admitted = 0;
                if (++_step < _steps)
                {
                    return Transition.None;
                }
            }
            else if (++_probesSucceeded < _permits)
            {
                return Transition.None;
            }

            CloseLocked();
            return Transition.Closed;
        }
    }

    /// <summary>Holds the circuit open until <see cref="Close"/>; returns whether the state changed.</summary>
    public bool Isolate()
    {
        lock (_gate)
        {
            if (_state == CircuitState.Isolated)
            {
                return false;
            }

            _state = CircuitState.Isolated;
            _generation++;
            _window.Reset();
            LastReason = "isolated manually";
            return true;
        }
    }

    /// <summary>Closes the circuit and forgets its calls; returns whether the state changed.</summary>
    public bool Close()
    {
        lock (_gate)
        {
            if (_state == CircuitState.Closed)
            {
                return false;
            }

            CloseLocked();
            return true;
        }
    }

    private void Open(long nowTicks, string why)
    {
        var ticks = Math.Min(_maxBreak.Ticks, _break.Ticks * Math.Pow(_backoff, _reopenings));
        CurrentBreak = TimeSpan.FromTicks((long)ticks);
        _reopenings++;
        _state = CircuitState.Open;
        _generation++;
        _openUntil = nowTicks + CurrentBreak.Ticks;
        _window.Reset();
        LastReason = why;
    }

    private void CloseLocked()
    {
        _state = CircuitState.Closed;
        _generation++;
        _reopenings = 0;
        _window.Reset();
    }

    private string RampReason() => string.Create(CultureInfo.InvariantCulture,
        $"recovering: admitting {100.0 * (_step + 1) / _steps:0.#}% of calls (step {_step + 1} of {_steps}, {_successesPerStep} successes each)");
}
