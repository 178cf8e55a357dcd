using Kernel.Sdk.Resilience;
using Polly.CircuitBreaker;

namespace UltimateResilience.CircuitBreaker;

/// <summary>
/// Manual control and state of custom circuit breakers, as Polly's <see cref="CircuitBreakerManualControl"/> and
/// <see cref="CircuitBreakerStateProvider"/> together: give it to the options of one breaker or several
/// (<see cref="CircuitBreakerOptionsBase.Control"/>), or name it in their <c>plugins.json</c> options (<c>"control": "NAME"</c>)
/// and fetch it from the plugin's <see cref="ICircuitControls"/>. While isolated, every breaker of the control is held open,
/// and a breaker that joins meanwhile (a pipeline built or rebuilt) starts isolated, as with Polly's manual control.
/// </summary>
public sealed class CircuitControl : ICircuitControl
{
    private readonly Lock _gate = new();
    private readonly List<CircuitBreakerResilienceStrategy> _circuits = [];
    private bool _isolated;

    /// <summary>Creates a control; <paramref name="name"/> names it in <see cref="ICircuitControls"/> and messages.</summary>
    public CircuitControl(string name = "control")
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The state of the breaker that joined last (<see cref="CircuitState.Closed"/> while none has).</summary>
    public CircuitState State
    {
        get
        {
            lock (_gate)
            {
                return _circuits.Count == 0 ? CircuitState.Closed : _circuits[^1].Core.State;
            }
        }
    }

    /// <summary>Why the breaker that joined last opened (or was isolated) last; null when it never did.</summary>
    public string? LastReason
    {
        get
        {
            lock (_gate)
            {
                return _circuits.Count == 0 ? null : _circuits[^1].Core.LastReason;
            }
        }
    }

    /// <inheritdoc />
    public bool IsIsolated
    {
        get
        {
            lock (_gate)
            {
                return _isolated;
            }
        }
    }

    /// <summary>Holds every attached breaker open (<see cref="CircuitState.Isolated"/>) until <see cref="CloseAsync"/>.</summary>
    public Task IsolateAsync(CancellationToken cancellationToken = default)
    {
        foreach (var circuit in Snapshot(isolated: true))
        {
            circuit.Isolate();
        }

        return Task.CompletedTask;
    }

    /// <summary>Closes every attached breaker and forgets their recent calls.</summary>
    public Task CloseAsync(CancellationToken cancellationToken = default)
    {
        foreach (var circuit in Snapshot(isolated: false))
        {
            circuit.Close();
        }

        return Task.CompletedTask;
    }

    internal void Attach(CircuitBreakerResilienceStrategy circuit)
    {
        bool isolated;
        lock (_gate)
        {
            _circuits.Add(circuit);
            isolated = _isolated;
        }

        if (isolated)
        {
            circuit.Isolate();
        }
    }

    internal void Detach(CircuitBreakerResilienceStrategy circuit)
    {
        lock (_gate)
        {
            _circuits.Remove(circuit);
        }
    }

    private CircuitBreakerResilienceStrategy[] Snapshot(bool isolated)
    {
        lock (_gate)
        {
            _isolated = isolated;
            return [.. _circuits];
        }
    }
}

/// <summary>The plugin's named circuit controls (one set per load of the plugin), offered to the host as <see cref="ICircuitControls"/>.</summary>
internal sealed class CircuitControls : ICircuitControls
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CircuitControl> _controls = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_gate)
            {
                return [.. _controls.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    public ICircuitControl Get(string name) => Named(name);

    /// <summary>The control named <paramref name="name"/>, made on first use.</summary>
    public CircuitControl Named(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (_gate)
        {
            if (!_controls.TryGetValue(name, out var control))
            {
                _controls[name] = control = new CircuitControl(name);
            }

            return control;
        }
    }
}
