using Kernel.Sdk.Consensus;

namespace UltimateConsensus.Tests.Storage;

/// <summary>The one place that decides in what order a Ready is persisted.</summary>
public sealed class ReadyWriteToTests
{
    [Fact]
    public void Snapshot_then_entries_then_the_hard_state_and_no_sync()
    {
        var storage = new RecordingStorage();
        var ready = new Ready
        {
            HardState = new byte[] { 1 },
            Snapshot = new Snapshot(4, 2, new Membership([new Kernel.Sdk.Cluster.NodeId(1)]), new byte[] { 9 }),
            Entries = [new LogEntry(5, 2, EntryKind.Command, new byte[] { 5 })],
            MustSync = true,
        };

        ready.WriteTo(storage);

        Assert.Equal(["snapshot 4", "append 5..5", "hard state"], storage.Calls);
    }

    [Fact]
    public void Only_what_the_ready_holds_is_written()
    {
        var storage = new RecordingStorage();
        new Ready { HardState = new byte[] { 1 } }.WriteTo(storage);
        new Ready().WriteTo(storage);

        Assert.Equal(["hard state"], storage.Calls);
    }

    private sealed class RecordingStorage : IConsensusStorage
    {
        public List<string> Calls { get; } = [];

        public RecoveredState Recovered => RecoveredState.Empty;

        public void SaveHardState(ReadOnlyMemory<byte> hardState) => Calls.Add("hard state");

        public void Append(IReadOnlyList<LogEntry> entries) => Calls.Add($"append {entries[0].Index}..{entries[^1].Index}");

        public void SaveSnapshot(Snapshot snapshot) => Calls.Add($"snapshot {snapshot.Index}");

        public void Sync() => Calls.Add("sync");

        public void Dispose()
        {
        }
    }
}
