using Kernel.Sdk.Consensus;

namespace Kernel.Sdk.Runtime;

/// <summary>
/// What a runtime does with a consensus node's output when <see cref="ReadyDriver"/> hands it over: the network, the
/// state machine and the stage points. Called on the driver's thread, in the order the driver documents.
/// </summary>
public interface IConsensusReadyHandler : IReadyHandler<Ready>
{
    /// <summary>Replaces the state machine with a snapshot the node installed.</summary>
    void Restore(Snapshot snapshot);

    /// <summary>Applies a committed entry (in index order).</summary>
    void Apply(LogEntry entry);

    /// <summary>Serves a read whose index the state machine has now applied.</summary>
    void ServeRead(ReadState read);

    /// <summary>Encodes the state machine as applied up to <paramref name="appliedIndex"/>, for a snapshot the snapshot policy takes.</summary>
    ReadOnlyMemory<byte> TakeSnapshot(long appliedIndex);
}
