using Kernel.Sdk.Conflict;
using Kernel.Sdk.Plugins;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace CompositePlugin;

/// <summary>Registers conflict/delegating.</summary>
public sealed class CompositePlugin : IPlugin
{
    public void Register(IPluginContext context) => context.Strategies.Add(new DelegatingStrategy());
}

/// <summary>The options of conflict/delegating.</summary>
public sealed class DelegatingOptions
{
    /// <summary>Option <c>resolver</c> (required): the conflict strategy or instance to delegate to.</summary>
    public StrategyReference? Resolver { get; init; }

    /// <summary>Option <c>siblings</c>: <c>keep</c> (default) passes siblings on; <c>first</c> keeps the first of them.</summary>
    public bool KeepSiblings { get; init; } = true;

    public static DelegatingOptions Read(OptionReader reader)
    {
        var resolver = reader.Reference("resolver", StrategyCategory.Conflict);
        if (resolver is null && reader.Errors.Count == 0)
        {
            reader.Fail("Option 'resolver' is required: the conflict strategy to delegate to, written conflict/NAME.");
        }

        var siblings = reader.OneOf("siblings", "keep", "keep", "first");
        return new DelegatingOptions { Resolver = resolver, KeepSiblings = siblings == "keep" };
    }
}

/// <summary>conflict/delegating: resolves through the conflict strategy its option <c>resolver</c> names, whichever plugin has it.</summary>
public sealed class DelegatingStrategy : IConflictResolutionStrategy, IReferencingStrategy
{
    public StrategyCategory Category => StrategyCategory.Conflict;

    public string Name => "delegating";

    public string Description => "Resolves through another conflict strategy, named by its option 'resolver'";

    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, DelegatingOptions.Read);

    public IReadOnlyList<StrategyReference> GetReferences(IConfiguration options) => OptionReader.ReferencesOf(options, DelegatingOptions.Read);

    public IConflictResolver Create(StrategyInstanceContext context)
    {
        var options = OptionReader.Bind(context.Options, DelegatingOptions.Read);

        // Held for this instance and released with it; the kernel says so if the other plugin is asked to unload.
        var inner = context.Strategies.GetConflictResolver(options.Resolver!.Key);
        return new Resolver(inner.Value, inner.Key, options.KeepSiblings);
    }

    private sealed class Resolver(IConflictResolver inner, string key, bool keepSiblings) : IConflictResolver
    {
        public Resolution Resolve(Conflict conflict)
        {
            var resolution = inner.Resolve(conflict);
            return resolution.HasSiblings && !keepSiblings
                ? Resolution.Winner(resolution.Kept[0], $"via {key}, first sibling: {resolution.Explanation}")
                : Resolution.Siblings(resolution.Kept, $"via {key}: {resolution.Explanation}");
        }
    }
}
