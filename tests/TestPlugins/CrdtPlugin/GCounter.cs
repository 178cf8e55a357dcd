using System.Globalization;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Crdt;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace CrdtPlugin;

/// <summary>
/// A grow-only counter: each replica's count of its own increments; merge keeps the greater count per replica; the
/// value is the sum. A delta is a counter holding just the incrementing replica's new count.
/// </summary>
public sealed class GCounter : IDeltaReplicatedData<GCounter, GCounter>, IEquatable<GCounter>
{
    private readonly VersionVector _counts;

    private GCounter(VersionVector counts) => _counts = counts;

    public static GCounter Empty { get; } = new(VersionVector.Empty);

    public long Value => _counts.Entries.Sum(e => e.Value);

    /// <summary>The delta mutator: adds <paramref name="amount"/> (positive) to <paramref name="replica"/>'s count.</summary>
    public GCounter IncrementDelta(NodeId replica, long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amount);
        return new GCounter(VersionVector.Empty.With(replica, checked(_counts[replica] + amount)));
    }

    public GCounter Merge(GCounter other) => new(_counts.Merge(other._counts));

    public GCounter MergeDelta(GCounter delta) => Merge(delta);

    // A version vector is exactly a map of replica to count, with the same join; its encoding is canonical.
    public void Encode(CrdtWriter writer) => _counts.Encode(writer);

    public static GCounter Decode(ref CrdtReader reader) => new(VersionVector.Decode(ref reader));

    public bool Equals(GCounter? other) => other is not null && _counts.Equals(other._counts);

    public override bool Equals(object? obj) => Equals(obj as GCounter);

    public override int GetHashCode() => _counts.GetHashCode();

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The byte-level face of <see cref="GCounter"/>: operation <c>inc</c> or <c>inc N</c>; read as the count.</summary>
public sealed class GCounterType : CrdtType<GCounter, GCounter>
{
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

    protected override string Read(GCounter state) => state.ToString();
}

/// <summary>crdt/g-counter. No options.</summary>
public sealed class GCounterStrategy : ICrdtStrategy
{
    public StrategyCategory Category => StrategyCategory.Crdt;

    public string Name => "g-counter";

    public string Description => "Grow-only counter (delta-state): per-replica counts merged by maximum, read as their sum";

    public IReadOnlyList<string> ValidateOptions(IConfiguration options) => OptionReader.Validate(options, _ => 0);

    public ICrdtType Create(StrategyInstanceContext context) => new GCounterType();
}
