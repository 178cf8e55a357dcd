namespace Kernel.Sdk.Strategies;

/// <summary>The categories of strategy the kernel knows. Names in <c>plugins.json</c> and on the command line are the lower-case forms.</summary>
public enum StrategyCategory
{
    /// <summary><c>consensus</c>: replicated logs (Raft, Multi-Paxos, ...), see <see cref="Consensus.IConsensusStrategy"/>.</summary>
    Consensus,

    /// <summary><c>replication</c>: data replication schemes, see <see cref="Replication.IReplicationStrategy"/>.</summary>
    Replication,

    /// <summary><c>conflict</c>: conflict resolution, see <see cref="Conflict.IConflictResolutionStrategy"/>.</summary>
    Conflict,

    /// <summary><c>crdt</c>: convergent replicated data types, see <see cref="Crdt.ICrdtStrategy"/>.</summary>
    Crdt,

    /// <summary><c>resilience</c>: Polly v8 strategies, see <see cref="Resilience.IResilienceStrategy"/>.</summary>
    Resilience,
}

/// <summary>Conversions between <see cref="StrategyCategory"/> and its name.</summary>
public static class StrategyCategories
{
    /// <summary>Every category, in declaration order.</summary>
    public static IReadOnlyList<StrategyCategory> All { get; } = Enum.GetValues<StrategyCategory>();

    /// <summary>The lower-case name used in configuration and on the command line.</summary>
    public static string ToName(this StrategyCategory category) => category switch
    {
        StrategyCategory.Consensus => "consensus",
        StrategyCategory.Replication => "replication",
        StrategyCategory.Conflict => "conflict",
        StrategyCategory.Crdt => "crdt",
        StrategyCategory.Resilience => "resilience",
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, null),
    };

    /// <summary>Parses a category name (case-insensitive).</summary>
    public static bool TryParse(string? name, out StrategyCategory category)
    {
        foreach (var c in All)
        {
            if (string.Equals(c.ToName(), name, StringComparison.OrdinalIgnoreCase))
            {
                category = c;
                return true;
            }
        }

        category = default;
        return false;
    }
}
