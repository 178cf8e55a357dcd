using System.Diagnostics.CodeAnalysis;
using Kernel.Host.Configuration;
using Kernel.Host.Registry;
using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;

namespace Kernel.Host.Resilience;

/// <summary>
/// The named pipelines of the <c>resilience</c> section, in Polly's <see cref="ResiliencePipelineRegistry{TKey}"/>.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Apply"/> checks every pipeline of a configuration against the registered strategies and keeps, per pipeline, the
/// last definition that passed (checked options, and a trial build). A pipeline is added to the registry when code first
/// fetches it: <c>TryAddBuilder</c> for <c>GetPipeline(name)</c>, <c>TryAddBuilder&lt;TResult&gt;</c> for
/// <c>GetPipeline&lt;TResult&gt;(name)</c>, since the result type is known only then.
/// </para>
/// <para>
/// Reloads are Polly's: every build registers the pipeline's reload token (<c>AddReloadToken</c>), and a new good definition
/// cancels it, so Polly rebuilds each pipeline already fetched in place: the instance a caller holds now runs the new
/// strategies (executions in flight finish on the old ones). A definition with problems changes nothing: the pipeline keeps
/// its last good build and the problems are logged and listed. A pipeline removed from the configuration can no longer be
/// fetched; instances already held keep their last build.
/// </para>
/// </remarks>
internal sealed class ResilienceRuntime : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, State> _states = new(StringComparer.OrdinalIgnoreCase);
    private readonly ResiliencePipelineRegistry<string> _registry;
    private readonly IStrategyRegistry _strategies;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ResilienceRuntime(IStrategyRegistry strategies, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _strategies = strategies;
        _time = time;
        _logger = loggerFactory.CreateLogger("Kernel.Resilience");
        _registry = new ResiliencePipelineRegistry<string>(new ResiliencePipelineRegistryOptions<string>
        {
            BuilderFactory = () => new ResiliencePipelineBuilder { TimeProvider = time },
            PipelineComparer = StringComparer.OrdinalIgnoreCase,
            BuilderComparer = StringComparer.OrdinalIgnoreCase,
        });
        Provider = new KernelPipelineProvider(this);
    }

    /// <summary>The predicates entries' options may name.</summary>
    public PredicateRegistry Predicates { get; } = new();

    /// <summary>The pipelines by name, as Polly's provider.</summary>
    public ResiliencePipelineProvider<string> Provider { get; }

    /// <summary>A plugin's view: its predicates and the pipelines.</summary>
    public PluginResilience HostFor(string pluginId) => new(pluginId, Predicates, Provider);

    /// <summary>Every configured pipeline, ordered by name.</summary>
    public IReadOnlyList<PipelineStatus> Pipelines
    {
        get
        {
            lock (_gate)
            {
                return [.. _states.Values.Where(s => s.Configured).OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => s.Status())];
            }
        }
    }

    /// <summary>
    /// Checks the <c>resilience</c> section of <paramref name="tree"/> and takes every pipeline that passed; returns the
    /// problems of the others (each starting with where it came from). Entries naming a strategy no loaded plugin offers,
    /// while <paramref name="somePluginNotLoaded"/>, are not problems: their pipelines are returned in
    /// <paramref name="unchecked"/> and stay unavailable. With <paramref name="log"/>, problems and rebuilds are logged.
    /// </summary>
    public IReadOnlyList<string> Apply(ConfigNode tree, bool somePluginNotLoaded, bool log, out IReadOnlyList<string> @unchecked)
    {
        var specs = ResilienceConfig.Parse(tree.Child(ResilienceConfig.Key));
        var problems = new List<string>();
        var skipped = new List<string>();
        var reloads = new List<(string Name, CancellationTokenSource Token)>();
        lock (_gate)
        {
            foreach (var state in _states.Values)
            {
                state.Configured = false;
            }

            foreach (var spec in specs)
            {
                var own = new List<string>();
                var definition = ResilienceConfig.Resolve(spec, _strategies, somePluginNotLoaded, own, out var uncheckedReason);
                if (definition is not null && TrialBuild(definition) is { } buildProblem)
                {
                    own.Add(buildProblem);
                    definition = null;
                }

                if (!_states.TryGetValue(spec.Name, out var state))
                {
                    _states[spec.Name] = state = new State(spec.Name);
                }

                state.Configured = true;
                state.Results = spec.Results;
                state.Origin = spec.Node.Origin;
                state.Problems = own;
                state.UncheckedReason = uncheckedReason;
                if (definition is not null && !definition.SameAs(state.Definition))
                {
                    var hadOne = state.Definition is not null;
                    state.Definition = definition;
                    var old = state.Reload;
                    state.Reload = new CancellationTokenSource();
                    if (hadOne)
                    {
                        reloads.Add((spec.Name, old));
                    }
                    else
                    {
                        old.Dispose();
                    }
                }

                problems.AddRange(own);
                if (uncheckedReason is not null)
                {
                    skipped.Add(uncheckedReason);
                }

                if (log && own.Count > 0)
                {
                    _logger.LogWarning(
                        state.Definition is null
                            ? "Resilience pipeline {Name} is unavailable; its configuration has problems:{NewLine}{Problems}"
                            : "Resilience pipeline {Name} keeps its last good build; its configuration has problems:{NewLine}{Problems}",
                        spec.Name, Environment.NewLine, string.Join(Environment.NewLine, own));
                }
            }
        }

        // Outside the lock: cancelling runs Polly's reload of every fetched instance, which calls Configure.
        foreach (var (name, token) in reloads)
        {
            if (log)
            {
                _logger.LogInformation("Resilience pipeline {Name} changed; fetched instances reload", name);
            }

            token.Cancel();
            token.Dispose();
        }

        @unchecked = skipped;
        return problems;
    }

    public bool TryGetPipeline(string name, [NotNullWhen(true)] out ResiliencePipeline? pipeline, out string? whyNot)
    {
        pipeline = null;
        if (Find(name, null, out whyNot) is not { } state)
        {
            return false;
        }

        state.EnsureBuilder("ResiliencePipeline", () => _registry.TryAddBuilder(state.Name, (builder, context) => Configure(state, context, definition =>
        {
            builder.TimeProvider = _time;
            foreach (var entry in definition.Entries)
            {
                entry.Strategy.AddTo(builder, new ResilienceEntry(definition.Name, entry.Index, entry.Options));
            }
        })));

        return _registry.TryGetPipeline(state.Name, out pipeline);
    }

    public bool TryGetPipeline<TResult>(string name, [NotNullWhen(true)] out ResiliencePipeline<TResult>? pipeline, out string? whyNot)
    {
        pipeline = null;
        if (Find(name, typeof(TResult), out whyNot) is not { } state)
        {
            return false;
        }

        state.EnsureBuilder($"ResiliencePipeline<{typeof(TResult).Name}>", () => _registry.TryAddBuilder<TResult>(state.Name, (builder, context) => Configure(state, context, definition =>
        {
            builder.TimeProvider = _time;
            foreach (var entry in definition.Entries)
            {
                entry.Strategy.AddTo(builder, new ResilienceEntry(definition.Name, entry.Index, entry.Options));
            }
        })));

        return _registry.TryGetPipeline(state.Name, out pipeline);
    }

    public async ValueTask DisposeAsync()
    {
        await _registry.DisposeAsync().ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var state in _states.Values)
            {
                state.Reload.Dispose();
            }
        }
    }

    private State? Find(string name, Type? resultType, out string? whyNot)
    {
        lock (_gate)
        {
            if (!_states.TryGetValue(name, out var state) || !state.Configured)
            {
                var names = _states.Values.Where(s => s.Configured).Select(s => s.Name).Order(StringComparer.Ordinal).ToArray();
                whyNot = $"no resilience pipeline '{name}' in the configuration; pipelines: {(names.Length == 0 ? "none" : string.Join(", ", names))}.";
                return null;
            }

            if (state.Definition is null)
            {
                var why = state.UncheckedReason is { } reason
                    ? $"it names a strategy no loaded plugin offers ({reason})"
                    : string.Join(" ", state.Problems);
                whyNot = $"resilience pipeline '{state.Name}' is unavailable: {why}";
                return null;
            }

            if (resultType is null && state.Definition.Results)
            {
                whyNot = $"resilience pipeline '{state.Name}' is for results (\"results\": true, {state.Origin}); fetch it with GetPipeline<TResult>(\"{state.Name}\").";
                return null;
            }

            whyNot = null;
            return state;
        }
    }

    /// <summary>A registry build of a pipeline (first fetch or reload): arms the reload token, holds the plugins, adds the entries.</summary>
    private void Configure(State state, ConfigureBuilderContext<string> context, Action<PipelineDefinition> addEntries)
    {
        PipelineDefinition definition;
        lock (_gate)
        {
            definition = state.Definition!;
            context.AddReloadToken(state.Reload.Token);
            state.Builds++;
        }

        HoldPlugins(definition, context);
        try
        {
            addEntries(definition);
        }
        catch (Exception ex)
        {
            // The trial build passed, so this is a strategy that fails for this result type or fails at random. Polly keeps
            // the previous build of a reload that throws, but stops reloading that instance.
            _logger.LogError("Building resilience pipeline {Name} threw {Type}: {Message}; instances fetched before keep their build and no longer reload",
                definition.Name, ex.GetType().Name, ex.Message);
            throw;
        }
    }

    /// <summary>
    /// Where builds take their holds (the plugin manager); set once the manager exists, null in tests of the runtime alone.
    /// </summary>
    public IPluginHolds? Holds { get; set; }

    /// <summary>
    /// A built pipeline runs code of each entry's plugin, so that plugin must not unload under it: one hold per distinct
    /// plugin of <paramref name="definition"/>, released when Polly discards this build (a reload replaced it, or the
    /// registry was disposed). Unloading or reloading such a plugin is refused, naming the pipeline.
    /// </summary>
    private void HoldPlugins(PipelineDefinition definition, ConfigureBuilderContext<string> context)
    {
        if (Holds is not { } holds)
        {
            return;
        }

        foreach (var pluginId in definition.Entries.Select(e => e.Registration.PluginId).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var hold = holds.Hold(pluginId, $"resilience pipeline '{definition.Name}'", null);
            context.OnPipelineDisposed(hold.Dispose);
        }
    }

    /// <summary>Builds the definition once outside the registry (non-generic, or for <c>object</c> results) to catch a strategy that throws.</summary>
    private string? TrialBuild(PipelineDefinition definition)
    {
        var current = -1;
        try
        {
            if (definition.Results)
            {
                var builder = new ResiliencePipelineBuilder<object> { TimeProvider = _time };
                foreach (var entry in definition.Entries)
                {
                    current = entry.Index;
                    entry.Strategy.AddTo(builder, new ResilienceEntry(definition.Name, entry.Index, entry.Options));
                }

                current = -1;
                builder.Build();
            }
            else
            {
                var builder = new ResiliencePipelineBuilder { TimeProvider = _time };
                foreach (var entry in definition.Entries)
                {
                    current = entry.Index;
                    entry.Strategy.AddTo(builder, new ResilienceEntry(definition.Name, entry.Index, entry.Options));
                }

                current = -1;
                builder.Build();
            }

            return null;
        }
        catch (Exception ex)
        {
            var where = current >= 0
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"resilience.pipelines.{definition.Name}.strategies[{current}]: adding {definition.Entries.First(e => e.Index == current).Registration.Key}")
                : $"resilience.pipelines.{definition.Name}: building it";
            return $"{definition.Origin}: {where} threw {ex.GetType().Name}: {FirstLine(ex.Message)}";
        }
    }

    private static string FirstLine(string message) => message.Split('\n')[0].TrimEnd('\r');

    private sealed class State(string name)
    {
        private readonly List<string> _built = [];

        public string Name { get; } = name;

        public bool Configured { get; set; }

        public bool Results { get; set; }

        public string Origin { get; set; } = string.Empty;

        public PipelineDefinition? Definition { get; set; }

        public IReadOnlyList<string> Problems { get; set; } = [];

        public string? UncheckedReason { get; set; }

        public CancellationTokenSource Reload { get; set; } = new();

        public int Builds { get; set; }

        /// <summary>The first time the pipeline is fetched this way, adds the registry's builder for it (builds stay lazy).</summary>
        public void EnsureBuilder(string kind, Func<bool> addBuilder)
        {
            lock (_built)
            {
                if (!_built.Contains(kind))
                {
                    addBuilder();
                    _built.Add(kind);
                }
            }
        }

        public PipelineStatus Status()
        {
            var state = Definition is null ? "unavailable" : Problems.Count > 0 || UncheckedReason is not null ? "stale" : "active";
            var problems = UncheckedReason is { } reason ? [.. Problems, $"names a strategy no loaded plugin offers: {reason}"] : Problems;
            var entries = Definition?.Entries.Select(e => new PipelineEntryStatus(e.Index, e.Registration.Key, e.Registration.PluginId, e.OptionsText)).ToArray() ?? [];
            string[] built;
            lock (_built)
            {
                built = [.. _built];
            }

            return new PipelineStatus(Name, state, Results, Origin, entries, problems, built, Builds);
        }
    }
}
