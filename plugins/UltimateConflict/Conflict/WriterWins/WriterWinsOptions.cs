using Kernel.Sdk.Cluster;
using Kernel.Sdk.Strategies;

namespace UltimateConflict.Conflict.WriterWins;

/// <summary>
/// The options of <c>conflict/last-writer-wins</c> and <c>conflict/first-writer-wins</c>, read once from an entry's
/// <c>options</c> object.
/// </summary>
public sealed class WriterWinsOptions
{
    /// <summary>
    /// Option <c>nodePriority</c>: replica ids (<c>["n3", "n1"]</c>), highest priority first, that break a tie on the
    /// timestamp; a listed replica beats an unlisted one. Versions still tied (same priority) go to the greater replica id.
    /// Default: empty (ties go to the greater replica id).
    /// </summary>
    public IReadOnlyList<NodeId> NodePriority { get; init; } = [];

    /// <summary>Reads the options (problems are collected in the reader, each naming the option and what is allowed).</summary>
    public static WriterWinsOptions Read(OptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new WriterWinsOptions { NodePriority = ReplicaIds.Read(reader, "nodePriority") };
    }
}
