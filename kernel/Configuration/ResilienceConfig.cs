using System.Globalization;
using Kernel.Host.Resilience;
using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;

namespace Kernel.Host.Configuration;

/// <summary>One entry of a pipeline as written: <c>{ "strategy": "resilience/retry", "options": { ... } }</c>.</summary>
internal sealed record ResilienceEntrySpec(int Index, ConfigNode Node, ConfigNode StrategyNode, ConfigNode? Options)
{
    /// <summary><c>resilience/NAME</c>: a bare name means the resilience strategy of that name.</summary>
    public string StrategyKey => StrategyNode.Value!.Contains('/', StringComparison.Ordinal) ? StrategyNode.Value! : "resilience/" + StrategyNode.Value;
}

/// <summary>One named pipeline as written.</summary>
internal sealed record ResiliencePipelineSpec(string Name, bool Results, ConfigNode Node, IReadOnlyList<ResilienceEntrySpec> Entries)
{
    public string Path => $"resilience.pipelines.{Name}";

    public string EntryPath(ResilienceEntrySpec entry) => string.Create(CultureInfo.InvariantCulture, $"{Path}.strategies[{entry.Index}]");
}

/// <summary>
/// The <c>resilience</c> section of <c>plugins.json</c>: named pipelines, each an ordered list of resilience strategies with
/// their options. <see cref="CheckShape"/> runs with the rest of the configuration's shape checks (before plugins load);
/// <see cref="Resolve"/> checks a pipeline against the registered strategies (after they load, and again on every reload).
/// </summary>
/// <example>
/// <code>
/// "resilience": { "pipelines": {
///   "store-read": { "strategies": [ { "strategy": "resilience/timeout", "options": { "timeout": "00:00:02" } },
///                                   { "strategy": "resilience/retry", "options": { "maxRetryAttempts": 3, "handle": ["transient"] } } ] },
///   "price":      { "results": true, "strategies": [ { "strategy": "resilience/fallback", "options": { "value": "0" } } ] } } }
/// </code>
/// </example>
internal static class ResilienceConfig
{
    public const string Key = "resilience";

    private const string PipelineShape = "{ \"results\": true|false, \"strategies\": [ { \"strategy\": \"resilience/NAME\", \"options\": { ... } }, ... ] }";

    /// <summary>Checks the section's shape: every problem, each with where it came from and what is allowed.</summary>
    public static void CheckShape(ConfigNode section, List<string> errors)
    {
        if (!Expect(section, ConfigKind.Object, "an object { \"pipelines\": { NAME: " + PipelineShape + " } }", errors))
        {
            return;
        }

        foreach (var child in section.Children)
        {
            if (!string.Equals(child.Key, "pipelines", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{child.Origin}: resilience: unknown setting '{child.Key}'; allowed: pipelines.");
                continue;
            }

            if (child.Kind == ConfigKind.Null || !Expect(child, ConfigKind.Object, "an object mapping pipeline names to " + PipelineShape, errors))
            {
                continue;
            }

            foreach (var pipeline in child.Children)
            {
                CheckPipeline(pipeline, errors);
            }
        }
    }

    private static void CheckPipeline(ConfigNode pipeline, List<string> errors)
    {
        var path = $"resilience.pipelines.{pipeline.Key}";
        if (pipeline.Kind == ConfigKind.Null || !Expect(pipeline, ConfigKind.Object, PipelineShape, errors))
        {
            return;
        }

        if (pipeline.Child("strategies") is null)
        {
            errors.Add($"{pipeline.Origin}: {path} has no \"strategies\"; expected {PipelineShape}.");
        }

        foreach (var setting in pipeline.Children)
        {
            if (setting.Kind == ConfigKind.Null)
            {
                continue;
            }

            if (string.Equals(setting.Key, "results", StringComparison.OrdinalIgnoreCase))
            {
                if (!(setting.Kind == ConfigKind.Boolean || setting.Kind == ConfigKind.Text && bool.TryParse(setting.Value, out _)) || setting.Children.Count > 0)
                {
                    errors.Add($"{setting.Origin}: {path}.results is {setting.Describe()}; allowed values true (code fetches the pipeline with GetPipeline<TResult>), false.");
                }
            }
            else if (string.Equals(setting.Key, "strategies", StringComparison.OrdinalIgnoreCase))
            {
                if (Items(setting) is not { } items)
                {
                    errors.Add($"{setting.ScalarOrigin ?? setting.Origin}: {path}.strategies is {setting.Describe()}; expected an array of {{ \"strategy\": \"resilience/NAME\", \"options\": {{ ... }} }}.");
                    continue;
                }

                for (var i = 0; i < items.Count; i++)
                {
                    CheckEntry(items[i], string.Create(CultureInfo.InvariantCulture, $"{path}.strategies[{i}]"), errors);
                }
            }
            else
            {
                errors.Add($"{setting.Origin}: {path}: unknown setting '{setting.Key}'; allowed: results, strategies.");
            }
        }
    }

    private static void CheckEntry(ConfigNode entry, string path, List<string> errors)
    {
        if (entry.Kind != ConfigKind.Object || entry.Mixed)
        {
            errors.Add($"{entry.ScalarOrigin ?? entry.Origin}: {path} is {entry.Describe()}; expected {{ \"strategy\": \"resilience/NAME\", \"options\": {{ ... }} }}.");
            return;
        }

        if (entry.Child("strategy") is null)
        {
            errors.Add($"{entry.Origin}: {path} has no \"strategy\"; expected {{ \"strategy\": \"resilience/NAME\", \"options\": {{ ... }} }}.");
        }

        foreach (var setting in entry.Children)
        {
            if (setting.Kind == ConfigKind.Null)
            {
                continue;
            }

            if (string.Equals(setting.Key, "strategy", StringComparison.OrdinalIgnoreCase))
            {
                if (setting.Kind is not (ConfigKind.String or ConfigKind.Text) || setting.Children.Count > 0 || string.IsNullOrWhiteSpace(setting.Value))
                {
                    errors.Add($"{setting.Origin}: {path}.strategy is {setting.Describe()}; expected the name of a resilience strategy, as resilience/NAME.");
                }
            }
            else if (string.Equals(setting.Key, "options", StringComparison.OrdinalIgnoreCase))
            {
                Expect(setting, ConfigKind.Object, "of option names and values", errors, path + ".options");
            }
            else
            {
                errors.Add($"{setting.Origin}: {path}: unknown setting '{setting.Key}'; allowed: strategy, options.");
            }
        }
    }

    /// <summary>The pipelines of a section that passed <see cref="CheckShape"/> (none when it is absent).</summary>
    public static IReadOnlyList<ResiliencePipelineSpec> Parse(ConfigNode? section)
    {
        var pipelines = new List<ResiliencePipelineSpec>();
        foreach (var pipeline in section?.Child("pipelines")?.Children ?? [])
        {
            if (pipeline.Kind == ConfigKind.Null)
            {
                continue;
            }

            var results = pipeline.Child("results") is { } r && bool.TryParse(r.Value, out var value) && value;
            var entries = new List<ResilienceEntrySpec>();
            var items = pipeline.Child("strategies") is { } s ? Items(s) ?? [] : [];
            for (var i = 0; i < items.Count; i++)
            {
                entries.Add(new ResilienceEntrySpec(i, items[i], items[i].Child("strategy")!, items[i].Child("options")));
            }

            pipelines.Add(new ResiliencePipelineSpec(pipeline.Key, results, pipeline, entries));
        }

        return pipelines;
    }

    /// <summary>
    /// Checks one pipeline against the registered strategies: each entry must name a registered resilience strategy, a
    /// strategy for results only needs a pipeline marked <c>"results": true</c>, and each entry's options must pass the
    /// strategy's <c>ValidateOptions</c>. Returns the definition, or null with the problems (or, when the strategy may belong
    /// to a plugin that is not loaded, with <paramref name="uncheckedReason"/> set instead).
    /// </summary>
    public static PipelineDefinition? Resolve(ResiliencePipelineSpec spec, IStrategyRegistry registry, bool somePluginNotLoaded, List<string> problems, out string? uncheckedReason)
    {
        uncheckedReason = null;
        var before = problems.Count;
        var entries = new List<PipelineEntry>();
        foreach (var entry in spec.Entries)
        {
            var key = entry.StrategyKey;
            var where = spec.EntryPath(entry);
            if (!registry.TryGet(key, out var registration) || registration.Strategy is not IResilienceStrategy strategy)
            {
                if (registration is null && somePluginNotLoaded && key.StartsWith("resilience/", StringComparison.OrdinalIgnoreCase))
                {
                    uncheckedReason ??= $"{spec.Path} ({key})";
                    continue;
                }

                var known = registry.All.Where(a => a.Strategy is IResilienceStrategy).Select(a => a.Key).ToArray();
                var what = registration is null ? "names no registered strategy" : "is not a resilience strategy";
                problems.Add($"{entry.StrategyNode.Origin}: {where}.strategy '{entry.StrategyNode.Value}' {what}; resilience strategies: {(known.Length == 0 ? "none" : string.Join(", ", known))}.");
                continue;
            }

            if (strategy.ResultsOnly && !spec.Results)
            {
                problems.Add($"{entry.StrategyNode.Origin}: {where}: {key} works only on results; mark the pipeline \"results\": true (code then fetches it with GetPipeline<TResult>), or remove the entry.");
                continue;
            }

            var options = entry.Options?.ToConfiguration() ?? EmptyOptions;
            IReadOnlyList<string> optionProblems;
            try
            {
                optionProblems = strategy.ValidateOptions(options) ?? [];
            }
            catch (Exception ex)
            {
                problems.Add($"{entry.Node.Origin}: {where}: ValidateOptions of {key} (plugin {registration.PluginId}) threw {ex.GetType().Name}: {ex.Message}");
                continue;
            }

            foreach (var p in optionProblems)
            {
                var origin = entry.Options?.OriginOfOptionMessage(p) ?? entry.Node.Origin;
                problems.Add($"{origin}: {where} ({key}).options: {p}");
            }

            entries.Add(new PipelineEntry(entry.Index, registration, strategy, options, Describe(entry.Options)));
        }

        return problems.Count > before || uncheckedReason is not null ? null : new PipelineDefinition(spec.Name, spec.Results, spec.Node.Origin, entries);
    }

    private static readonly Microsoft.Extensions.Configuration.IConfiguration EmptyOptions =
        new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();

    /// <summary>The options as one line of <c>key=value</c> pairs, for the listing and to see whether an entry changed.</summary>
    private static string Describe(ConfigNode? options)
    {
        var pairs = new List<KeyValuePair<string, string?>>();
        options?.Flatten(string.Empty, pairs);
        return string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}"));
    }

    /// <summary>The items of an array, or of an object whose keys are all 0, 1, 2... (as environment variables build one).</summary>
    private static IReadOnlyList<ConfigNode>? Items(ConfigNode node)
    {
        if (node.Mixed || node.Kind is not (ConfigKind.Array or ConfigKind.Object))
        {
            return null;
        }

        var indexed = new List<(int Index, ConfigNode Node)>();
        foreach (var child in node.Children)
        {
            if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i))
            {
                return null;
            }

            indexed.Add((i, child));
        }

        return [.. indexed.OrderBy(x => x.Index).Select(x => x.Node)];
    }

    private static bool Expect(ConfigNode node, ConfigKind kind, string what, List<string> errors, string? path = null)
    {
        if (node.Kind == kind && !node.Mixed)
        {
            return true;
        }

        errors.Add($"{node.ScalarOrigin ?? node.Origin}: {path ?? node.Path} is {node.Describe()}; expected {(kind == ConfigKind.Object && !what.StartsWith('{') && !what.StartsWith("an ", StringComparison.Ordinal) ? "an object " : string.Empty)}{what}.");
        return false;
    }
}
