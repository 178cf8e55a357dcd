using Kernel.Sdk.Consensus;

namespace RaftBench;

/// <summary>
/// The trivial storage of the "mem" scenarios: it keeps nothing (the node holds its own in-memory log) and
/// <see cref="Sync"/> does nothing, so the figures show the cost of the protocol and the runtime without a disk.
/// </summary>
internal sealed class MemoryStorage : IConsensusStorage
{
    public RecoveredState Recovered => RecoveredState.Empty;

    public long AppendedEntries { get; private set; }

    public void SaveHardState(ReadOnlyMemory<byte> hardState)
    {
    }

    public void Append(IReadOnlyList<LogEntry> entries) => AppendedEntries += entries.Count;

    public void SaveSnapshot(Snapshot snapshot)
    {
    }

    public void Sync()
    {
    }

    public void Dispose()
    {
    }
}
