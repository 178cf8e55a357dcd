using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Polly.Registry;

namespace Kernel.Host.Resilience;

/// <summary>
/// One plugin's view of resilience (<c>IPluginContext.Resilience</c>). Predicates it adds while it registers are kept aside
/// and committed with its strategies (<see cref="Commit"/>), so a plugin whose <c>Register</c> fails leaves none behind.
/// </summary>
internal sealed class PluginResilience(string pluginId, PredicateRegistry predicates, ResiliencePipelineProvider<string> pipelines) : IResilienceHost
{
    private readonly List<ResiliencePredicate> _pending = [];
    private readonly object _gate = new();

    public ResiliencePipelineProvider<string> Pipelines => pipelines;

    public void AddPredicate(ResiliencePredicate predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        lock (_gate)
        {
            if (predicates.CheckNew(pluginId, predicate) is { } problem)
            {
                throw problem.Contains("invalid", StringComparison.Ordinal) ? new ArgumentException(problem, nameof(predicate)) : new InvalidOperationException(problem);
            }

            if (_pending.Any(p => string.Equals(p.Name, predicate.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new InvalidOperationException($"predicate '{predicate.Name}' is registered twice by the plugin");
            }

            _pending.Add(predicate);
        }
    }

    public ResiliencePredicate ReadPredicate(OptionReader reader, string option, params string[] defaultNames)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(option);
        return predicates.Read(reader, option, defaultNames ?? []);
    }

    /// <summary>Makes the predicates added during <c>Register</c> visible; called once the plugin's strategies are registered.</summary>
    public void Commit()
    {
        lock (_gate)
        {
            predicates.Add(pluginId, [.. _pending]);
            _pending.Clear();
        }
    }
}
