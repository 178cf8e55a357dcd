using Kernel.Sdk.Conflict;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateConflict.Conflict.Custom;

/// <summary>
/// <c>conflict/custom</c>: the seam for a resolver of your own. Write it in any plugin as an
/// <see cref="IConflictResolutionStrategy"/> and register it (<c>context.Strategies.Add(...)</c>), then name it in
/// <see cref="CustomOptions.Resolver"/>; no assembly reference between plugins, no SDK addition. What this adds to
/// calling it directly: the versions arrive in canonical order without duplicates (so a resolver that depends on
/// input order is still deterministic), a failure of the resolver goes to <see cref="CustomOptions.Fallback"/> with the
/// failure recorded, and the explanation names the route. What wins, is lost and is recorded is the resolver's.
/// </summary>
public sealed class CustomStrategy : IConflictResolutionStrategy, IReferencingStrategy
{
    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Conflict;

    /// <inheritdoc />
    public string Name => "custom";

    /// <inheritdoc />
    public string Description => "Resolves through a conflict strategy another plugin registers (option 'resolver'), in canonical order, with a fallback";

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, r => CustomOptions.Read(r, OptionReads.IsConfigured(options)));

    /// <inheritdoc />
    public IReadOnlyList<StrategyReference> GetReferences(IConfiguration options) => OptionReader.ReferencesOf(options, r => CustomOptions.Read(r, OptionReads.IsConfigured(options)));

    /// <inheritdoc />
    public IConflictResolver Create(StrategyInstanceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = OptionReader.Bind(context.Options, CustomOptions.Read);
        var inner = context.Strategies.GetConflictResolver(options.Resolver!.Key);
        var fallback = options.Fallback is { } f ? context.Strategies.GetConflictResolver(f.Key) : null;
        return new CustomResolver(
            context.Name,
            options.Canonical,
            (inner.Key, inner.Value),
            fallback is null ? null : (fallback.Key, fallback.Value));
    }
}
