using Polly.CircuitBreaker;

namespace UltimateResilience.CircuitBreaker;

/// <summary>
/// Manual control and state of custom circuit breakers, as Polly's <see cref="CircuitBreakerManualControl"/> and
/// <see cref="CircuitBreakerStateProvider"/> together: give it to the options of one breaker or several.
/// </summary>
public sealed class CircuitControl
{
    private readonly Lock _gate = new();
    private readonly List<CircuitBreakerResilienceStrategy> _circuits = [];

    /// <summary>The state of the first breaker attached (<see cref="CircuitState.Closed"/> while none is).</summary>
    public CircuitState State
    {
        get
        {
            lock (_gate)
            {
                return _circuits.Count == 0 ? CircuitState.Closed : _circuits[0].Core.State;
            }
        }
    }

    /// <summary>Why the first breaker attached last opened (or was isolated); null when it never did.</summary>
    public string? LastReason
    {
        get
        {
            lock (_gate)
            {
                return _circuits.Count == 0 ? null : _circuits[0].Core.LastReason;
            }
        }
    }

    /// <summary>Holds every attached breaker open (<see cref="CircuitState.Isolated"/>) until <see cref="CloseAsync"/>.</summary>
    public Task IsolateAsync()
    {
        foreach (var circuit in Snapshot())
        {
            circuit.Isolate();
        }

        return Task.CompletedTask;
    }

    /// <summary>Closes every attached breaker and forgets their recent calls.</summary>
    public Task CloseAsync()
    {
        foreach (var circuit in Snapshot())
        {
            circuit.Close();
        }

        return Task.CompletedTask;
    }

    internal void Attach(CircuitBreakerResilienceStrategy circuit)
    {
        lock (_gate)
        {
            _circuits.Add(circuit);
        }
    }

    internal void Detach(CircuitBreakerResilienceStrategy circuit)
    {
        lock (_gate)
        {
            _circuits.Remove(circuit);
        }
    }

    private CircuitBreakerResilienceStrategy[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _circuits];
        }
    }
}
