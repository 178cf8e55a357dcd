using Kernel.Sdk.Strategies;

namespace UltimateConflict.Conflict.Custom;

/// <summary>The options of <c>conflict/custom</c>, read once from an entry's <c>options</c> object.</summary>
public sealed class CustomOptions
{
    /// <summary>
    /// Option <c>resolver</c> (required): the conflict strategy, or named instance, that resolves, written
    /// <c>conflict/NAME</c>: any plugin's <c>IConflictResolutionStrategy</c> (the kernel checks it exists). Every
    /// configured entry needs it; the strategy's own entry without any options is accepted (the kernel enables every
    /// registered strategy) but makes no resolver until configured.
    /// </summary>
    public StrategyReference? Resolver { get; init; }

    /// <summary>
    /// Option <c>order</c> (<c>canonical</c> or <c>as-given</c>): the order the resolver sees the versions in.
    /// <c>canonical</c> (the default) sorts them (replica id, timestamp, clock, value) and drops content duplicates, so a
    /// resolver that depends on input order still resolves alike on every replica; <c>as-given</c> passes them unchanged.
    /// </summary>
    public bool Canonical { get; init; } = true;

    /// <summary>
    /// Option <c>fallback</c>: a conflict strategy that resolves when the resolver throws, written <c>conflict/NAME</c>;
    /// the failure is recorded in the explanation. Default: none (the resolver's exception propagates, wrapped in an
    /// <see cref="InvalidOperationException"/> naming the instance, the resolver and the key).
    /// </summary>
    public StrategyReference? Fallback { get; init; }

    /// <summary>Reads the options (problems are collected in the reader, each naming the option and what is allowed).</summary>
    public static CustomOptions Read(OptionReader reader) => Read(reader, required: true);

    /// <summary>Reads the options; <c>resolver</c> is a problem when absent only if <paramref name="required"/>.</summary>
    internal static CustomOptions Read(OptionReader reader, bool required)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var resolver = reader.RequiredReference("resolver", StrategyCategory.Conflict, "the conflict strategy that resolves", required);
        var order = reader.OneOf("order", "canonical", "canonical", "as-given");
        var fallback = reader.Reference("fallback", StrategyCategory.Conflict);
        return new CustomOptions { Resolver = resolver, Canonical = order == "canonical", Fallback = fallback };
    }
}
