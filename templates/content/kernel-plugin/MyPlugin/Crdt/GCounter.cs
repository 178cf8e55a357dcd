using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace MyPlugin;

/// <summary>crdt/g-counter: a grow-only counter, a factory of <see cref="GCounterType"/>. No options.</summary>
public sealed class GCounterStrategy : ICrdtStrategy
{
    /// <inheritdoc />
    public StrategyCategory Category => StrategyCategory.Crdt;

    /// <inheritdoc />
    public string Name => "g-counter";

    /// <inheritdoc />
    public string Description => "Grow-only counter: per-replica counts merged by maximum, read as their sum";

    /// <inheritdoc />
    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, _ => 0); // anything set is reported

    /// <inheritdoc />
    public ICrdtType Create(StrategyInstanceContext context) => new GCounterType();
}

/// <summary>The counter as bytes, for replication strategies: operations <c>inc</c> and <c>inc N</c>; read as the count.</summary>
public sealed class GCounterType : CrdtType<GCounter, GCounter>
{
    /// <inheritdoc />
    protected override GCounter Mutate(GCounter state, NodeId replica, string operation)
    {
        var parts = operation.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts is ["inc"])
        {
            return state.IncrementDelta(replica, 1);
        }

        if (parts is ["inc", var n] && long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            return state.IncrementDelta(replica, amount);
        }

        throw new FormatException($"g-counter operation '{operation}' is not known; operations: inc, inc N (N a positive integer).");
    }

    /// <inheritdoc />
    protected override string Read(GCounter state) => state.Count.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// A grow-only counter: each replica counts its own increments; merge takes the maximum per replica; the value is the
/// sum. Immutable; a delta is a counter with just the incrementing replica's new count.
/// </summary>
public sealed class GCounter : IDeltaReplicatedData<GCounter, GCounter>
{
    private readonly VersionVector _counts;

    private GCounter(VersionVector counts) => _counts = counts;

    /// <inheritdoc />
    public static GCounter Empty { get; } = new(VersionVector.Empty);

    /// <summary>The count: the sum over every replica.</summary>
    public long Count => _counts.Entries.Sum(e => e.Value);

    /// <summary>The delta mutator: <paramref name="amount"/> (positive: the counter only grows) more for <paramref name="replica"/>.</summary>
    public GCounter IncrementDelta(NodeId replica, long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        return new GCounter(VersionVector.Empty.With(replica, checked(_counts[replica] + amount)));
    }

    /// <inheritdoc />
    public GCounter Merge(GCounter other) => new(_counts.Merge(other._counts));

    /// <inheritdoc />
    public GCounter MergeDelta(GCounter delta) => Merge(delta);

    /// <inheritdoc />
    public void Encode(CrdtWriter writer) => _counts.Encode(writer); // a version vector is a canonical replica -> count map

    /// <inheritdoc />
    public static GCounter Decode(ref CrdtReader reader) => new(VersionVector.Decode(ref reader));
}
