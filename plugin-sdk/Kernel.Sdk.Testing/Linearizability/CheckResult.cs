using System.Text;

namespace Kernel.Sdk.Testing.Linearizability;

/// <summary>Outcome of a linearizability check.</summary>
public enum Verdict
{
    /// <summary>A linearization exists.</summary>
    Linearizable,

    /// <summary>No linearization exists; see <see cref="CheckResult.Counterexample"/>.</summary>
    NotLinearizable,

    /// <summary>The budget ran out (or the input could not be checked) before a verdict was reached.</summary>
    Unknown,
}

/// <summary>Limits of a check. A check that exceeds them answers <see cref="Verdict.Unknown"/> instead of running on.</summary>
public sealed record CheckOptions
{
    /// <summary>Maximum number of search steps over all partitions (null: unlimited).</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Maximum elapsed time, measured with <see cref="TimeProvider"/> (null: unlimited). Only a step budget gives the same verdict on every machine.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>The clock of <see cref="TimeBudget"/> and of reported durations.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>No limits.</summary>
    public static CheckOptions Unlimited { get; } = new();
}

/// <summary>Result of a linearizability check.</summary>
public sealed class CheckResult
{
    internal CheckResult(Verdict verdict, string? reason, Counterexample? counterexample, long steps, int operations, int partitions)
    {
        Verdict = verdict;
        Reason = reason;
        Counterexample = counterexample;
        Steps = steps;
        Operations = operations;
        Partitions = partitions;
    }

    /// <summary>The verdict.</summary>
    public Verdict Verdict { get; }

    /// <summary>Why the verdict is <see cref="Verdict.Unknown"/> (budget exhausted...), otherwise null.</summary>
    public string? Reason { get; }

    /// <summary>When <see cref="Verdict.NotLinearizable"/>: the failing partition and the operations involved.</summary>
    public Counterexample? Counterexample { get; }

    /// <summary>Search steps spent.</summary>
    public long Steps { get; }

    /// <summary>Number of operations checked.</summary>
    public int Operations { get; }

    /// <summary>Number of independent partitions checked.</summary>
    public int Partitions { get; }

    /// <inheritdoc />
    public override string ToString() => Verdict switch
    {
        Verdict.Linearizable => $"linearizable ({Operations} operations, {Partitions} partition(s), {Steps} steps)",
        Verdict.Unknown => $"unknown: {Reason}",
        _ => "not linearizable" + Environment.NewLine + Counterexample,
    };
}

/// <summary>
/// A violation: within one partition, the longest linearizable prefix the search found (like Porcupine's partial
/// linearizations) and the operations that could not be linearized after it.
/// </summary>
public sealed class Counterexample
{
    internal Counterexample(string? partitionKey, int partitionOperations, IReadOnlyList<CounterexampleOperation> prefix,
        string stateAfterPrefix, IReadOnlyList<CounterexampleOperation> blocked)
    {
        PartitionKey = partitionKey;
        PartitionOperations = partitionOperations;
        LinearizedPrefix = prefix;
        StateAfterPrefix = stateAfterPrefix;
        Unlinearizable = blocked;
    }

    /// <summary>The partition (key) that is not linearizable; null for an unpartitioned model.</summary>
    public string? PartitionKey { get; }

    /// <summary>Number of operations in that partition.</summary>
    public int PartitionOperations { get; }

    /// <summary>The longest linearizable prefix found, in linearization order.</summary>
    public IReadOnlyList<CounterexampleOperation> LinearizedPrefix { get; }

    /// <summary>The model state after <see cref="LinearizedPrefix"/>.</summary>
    public string StateAfterPrefix { get; }

    /// <summary>
    /// The operations that were candidates to come next after the prefix (invoked before the earliest pending return)
    /// and none of which leads to a complete linearization.
    /// </summary>
    public IReadOnlyList<CounterexampleOperation> Unlinearizable { get; }

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("partition: ").Append(PartitionKey ?? "(whole history)").Append(" (").Append(PartitionOperations).AppendLine(" operations)");
        sb.Append("longest linearizable prefix (").Append(LinearizedPrefix.Count).AppendLine(" operations):");
        const int shown = 20;
        if (LinearizedPrefix.Count > shown)
        {
            sb.Append("  ... ").Append(LinearizedPrefix.Count - shown).AppendLine(" earlier operations");
        }

        for (var i = Math.Max(0, LinearizedPrefix.Count - shown); i < LinearizedPrefix.Count; i++)
        {
            sb.Append("  ").AppendLine(LinearizedPrefix[i].ToString());
        }

        sb.Append("state after prefix: ").AppendLine(StateAfterPrefix);
        sb.AppendLine("operations that cannot be linearized next:");
        foreach (var op in Unlinearizable)
        {
            sb.Append("  ").AppendLine(op.ToString());
        }

        return sb.ToString();
    }
}

/// <summary>An operation quoted in a counterexample.</summary>
/// <param name="Index">Index of the operation in the list given to the checker.</param>
/// <param name="ClientId">The client (process) that ran it.</param>
/// <param name="Description">Model description of the operation (input and output).</param>
/// <param name="Call">Invocation time.</param>
/// <param name="Return">Return time, null when the outcome is unknown.</param>
/// <param name="SourceLine">Line of the invocation in the history file, when known.</param>
public sealed record CounterexampleOperation(int Index, int ClientId, string Description, long Call, long? Return, int? SourceLine = null)
{
    /// <inheritdoc />
    public override string ToString()
    {
        var where = SourceLine is { } line ? $" (line {line})" : "";
        var ret = Return is { } r ? r.ToString(System.Globalization.CultureInfo.InvariantCulture) : "never/unknown";
        return $"[process {ClientId}] {Description}  call={Call} return={ret}{where}";
    }
}
