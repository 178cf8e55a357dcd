using Polly.CircuitBreaker;

namespace Kernel.Sdk.Resilience;

/// <summary>
/// Manual control and state of the circuit breakers that share a control name (Polly's <c>CircuitBreakerManualControl</c> and
/// <c>CircuitBreakerStateProvider</c> in one): a breaker of a pipeline built from <c>plugins.json</c> joins the control its
/// options name (<c>"control": "NAME"</c>), and so does each rebuild of it. Isolating holds every breaker of the control open
/// until it is closed, including breakers that join later (a pipeline built or reloaded meanwhile).
/// </summary>
public interface ICircuitControl
{
    /// <summary>The control's name, as breakers' options give it.</summary>
    string Name { get; }

    /// <summary>The state of the breaker that joined last (<see cref="CircuitState.Closed"/> while none has).</summary>
    CircuitState State { get; }

    /// <summary>Why that breaker last opened or was isolated; null when it never did.</summary>
    string? LastReason { get; }

    /// <summary>True between <see cref="IsolateAsync"/> and <see cref="CloseAsync"/>.</summary>
    bool IsIsolated { get; }

    /// <summary>Holds every breaker of the control open (<see cref="CircuitState.Isolated"/>): calls are rejected with the breaker's exception.</summary>
    Task IsolateAsync(CancellationToken cancellationToken = default);

    /// <summary>Closes every breaker of the control (ending an isolation) and forgets their recent calls.</summary>
    Task CloseAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// The circuit controls of a plugin's breakers, by name: what a resilience plugin offers the host through
/// <see cref="Plugins.IPluginContext.Services"/> (resolve <c>ICircuitControls</c> from the kernel's plugin services).
/// </summary>
public interface ICircuitControls
{
    /// <summary>The names of the controls breakers have named so far (in configurations checked or pipelines built).</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>
    /// The control named <paramref name="name"/> (case-insensitive); made when no breaker has named it yet, so it can be
    /// isolated before its pipeline is first built.
    /// </summary>
    ICircuitControl Get(string name);
}
