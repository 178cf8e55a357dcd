using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Runtime;

namespace Kernel.Sdk.Tests.Runtime;

/// <summary>
/// The one Ready driver: the order of persist, sync, send, apply and advance; where a handler stops it; how node and
/// storage failures, livelocks, read serving and the snapshot policy come out.
/// </summary>
public sealed class ReadyDriverTests
{
    private static readonly NodeId N1 = new(1);
    private static readonly NodeId N2 = new(2);

    [Fact]
    public void A_batch_is_persisted_then_synced_then_sent_then_applied_then_advanced()
    {
        var log = new List<string>();
        var node = new ScriptedNode(log, new Ready
        {
            HardState = new byte[] { 1 },
            Entries = [Entry(1)],
            Messages = [new Message(N1, N2), new Message(N1, N2)],
            CommittedEntries = [Entry(1)],
            MustSync = true,
        });
        var drain = new ReadyDriver(node, new RecordingStorage(log), new RecordingHandler(log), null).Drain();

        Assert.Equal(new ReadyDrain(ReadyDrainOutcome.Idle, 1, null, null), drain);
        Assert.Equal(
            ["Next", "Received", "append 1", "hard state", "Written", "sync", "Synced", "SendingStarting", "Sending 0", "send",
             "Sending 1", "send", "Sent", "apply 1", "Delivered", "advance", "Advanced", "Next"],
            log);
    }

    [Fact]
    public void A_batch_sent_before_it_is_persisted_goes_out_first_and_is_still_synced_before_it_is_applied()
    {
        var log = new List<string>();
        var node = new ScriptedNode(log, new Ready
        {
            HardState = new byte[] { 1 },
            Entries = [Entry(1)],
            Messages = [new Message(N1, N2)],
            CommittedEntries = [Entry(1)],
            MustSync = true,
            SendBeforePersist = true,
        });
        new ReadyDriver(node, new RecordingStorage(log), new RecordingHandler(log), null).Drain();

        Assert.Equal(
            ["Next", "Received", "SendingStarting", "Sending 0", "send", "Sent", "append 1", "hard state", "Written", "sync", "Synced",
             "apply 1", "Delivered", "advance", "Advanced", "Next"],
            log);
    }

    [Fact]
    public void No_sync_when_the_batch_does_not_ask_for_one()
    {
        var log = new List<string>();
        var node = new ScriptedNode(log, new Ready { HardState = new byte[] { 1 }, Messages = [new Message(N1, N2)] });
        new ReadyDriver(node, new RecordingStorage(log), new RecordingHandler(log), null).Drain();
        Assert.DoesNotContain("sync", log);
        Assert.Contains("send", log);
    }

    [Theory]
    [InlineData(ReadyStage.Received, "Received")]
    [InlineData(ReadyStage.Written, "Written")]
    [InlineData(ReadyStage.Synced, "Synced")]
    [InlineData(ReadyStage.Sending, "Sending 0")]
    [InlineData(ReadyStage.Sent, "Sent")]
    [InlineData(ReadyStage.Delivered, "Delivered")]
    public void A_handler_that_says_stop_stops_there_and_the_node_is_not_advanced(ReadyStage stop, string last)
    {
        var log = new List<string>();
        var node = new ScriptedNode(log, new Ready { Entries = [Entry(1)], Messages = [new Message(N1, N2)], CommittedEntries = [Entry(1)], MustSync = true });
        var handler = new RecordingHandler(log) { StopAt = stop };
        var drain = new ReadyDriver(node, new RecordingStorage(log), handler, null).Drain();

        Assert.Equal(ReadyDrainOutcome.Stopped, drain.Outcome);
        Assert.Equal(last, log[^1]);
        Assert.DoesNotContain("advance", log);
    }

    [Fact]
    public void Storage_and_node_failures_end_the_drain_with_their_phase()
    {
        var log = new List<string>();
        var storage = new RecordingStorage(log) { FailSync = true };
        var drain = new ReadyDriver(new ScriptedNode(log, new Ready { Entries = [Entry(1)], MustSync = true }), storage, new RecordingHandler(log), null).Drain();
        Assert.Equal((ReadyDrainOutcome.Failed, "storage"), (drain.Outcome, drain.Phase));
        Assert.IsType<IOException>(drain.Exception);

        var advanceFails = new ScriptedNode(log, new Ready { Messages = [new Message(N1, N2)] }) { FailAdvance = true };
        drain = new ReadyDriver(advanceFails, new RecordingStorage(log), new RecordingHandler(log), null).Drain();
        Assert.Equal((ReadyDrainOutcome.Failed, "Advance"), (drain.Outcome, drain.Phase));
    }

    [Fact]
    public void A_node_that_never_runs_dry_is_a_livelock()
    {
        var log = new List<string>();
        var node = new ScriptedNode(log) { Endless = true };
        var drain = new ReadyDriver(node, new RecordingStorage(log), new RecordingHandler(log), new ReadyDriverOptions { MaxBatchesPerDrain = 5 }).Drain();
        Assert.Equal(ReadyDrainOutcome.Livelock, drain.Outcome);
        Assert.Equal(5, node.Advanced);
    }

    [Fact]
    public void A_read_is_served_once_its_index_is_applied_and_not_before()
    {
        var log = new List<string>();
        var node = new ScriptedNode(log,
            new Ready { ReadStates = [new ReadState(2, new byte[] { 7 })], CommittedEntries = [Entry(1)] },
            new Ready { CommittedEntries = [Entry(2)] });
        var handler = new RecordingHandler(log);
        var driver = new ReadyDriver(node, new RecordingStorage(log), handler, null);
        driver.Drain();

        Assert.Equal(2, driver.Applied);
        Assert.Equal(0, driver.PendingReads);
        Assert.True(log.IndexOf("apply 2") < log.IndexOf("read 2"));
    }

    [Fact]
    public void An_installed_snapshot_restores_the_state_machine_before_the_entries_after_it()
    {
        var log = new List<string>();
        var snapshot = new Snapshot(10, 1, new Membership([N1, N2]), new byte[] { 1 });
        var node = new ScriptedNode(log, new Ready { Snapshot = snapshot, CommittedEntries = [Entry(11)], MustSync = true });
        var driver = new ReadyDriver(node, new RecordingStorage(log), new RecordingHandler(log), null);
        driver.Drain();

        Assert.True(log.IndexOf("save snapshot 10") < log.IndexOf("append 11") || !log.Contains("append 11"));
        Assert.True(log.IndexOf("restore 10") < log.IndexOf("apply 11"));
        Assert.Equal((11L, 10L), (driver.Applied, driver.LastSnapshotIndex));
    }

    [Fact]
    public void The_snapshot_policy_compacts_every_so_many_applied_entries_and_syncs_the_record()
    {
        var log = new List<string>();
        var node = new ScriptedNode(log,
            new Ready { CommittedEntries = [Entry(1), Entry(2)] },
            new Ready { CommittedEntries = [Entry(3)] },
            new Ready { CommittedEntries = [Entry(4), Entry(5), Entry(6)] });
        var driver = new ReadyDriver(node, new RecordingStorage(log), new RecordingHandler(log), new ReadyDriverOptions { SnapshotEvery = 3 });
        driver.Drain();

        Assert.Equal(["compact 3", "compact 6"], log.Where(l => l.StartsWith("compact", StringComparison.Ordinal)));
        Assert.Equal(["take 3", "take 6"], log.Where(l => l.StartsWith("take", StringComparison.Ordinal)));
        Assert.Equal(2, log.Count(l => l == "save snapshot 3" || l == "save snapshot 6"));
        Assert.Equal(6, driver.LastSnapshotIndex);
    }

    private static LogEntry Entry(long index) => new(index, 1, EntryKind.Command, new byte[] { (byte)index });

    private sealed record Message(NodeId From, NodeId To) : IProtocolMessage;

    private sealed class ScriptedNode(List<string> log, params Ready[] readies) : IConsensusNode
    {
        private readonly Queue<Ready> _readies = new(readies);

        public bool Endless { get; init; }

        public bool FailAdvance { get; init; }

        public int Advanced { get; private set; }

        public NodeId Id => N1;

        public ConsensusStatus Status => new(N1, ConsensusRole.Follower, 1, NodeId.None, 0, 0, 0, new Membership([N1]));

        public bool HasReady => Endless || _readies.Count > 0;

        public Ready GetReady() => Endless ? new Ready() : _readies.Dequeue();

        public void Advance(Ready ready)
        {
            if (FailAdvance)
            {
                throw new InvalidOperationException("advance failed");
            }

            Advanced++;
            log.Add("advance");
        }

        public Snapshot? Compact(long index, ReadOnlyMemory<byte> snapshotData)
        {
            log.Add("compact " + index);
            return new Snapshot(index, 1, new Membership([N1]), snapshotData);
        }

        public void Tick() => throw new NotSupportedException();

        public void Step(IProtocolMessage message) => throw new NotSupportedException();

        public ProposeResult Propose(ReadOnlyMemory<byte> command) => throw new NotSupportedException();

        public ProposeResult ProposeMembershipChange(MembershipChange change) => throw new NotSupportedException();

        public bool ReadIndex(ReadOnlyMemory<byte> context) => throw new NotSupportedException();

        public bool TransferLeadership(NodeId target) => throw new NotSupportedException();
    }

    private sealed class RecordingStorage(List<string> log) : IConsensusStorage
    {
        public bool FailSync { get; init; }

        public RecoveredState Recovered => RecoveredState.Empty;

        public void SaveHardState(ReadOnlyMemory<byte> hardState) => log.Add("hard state");

        public void Append(IReadOnlyList<LogEntry> entries) => log.Add("append " + string.Join(",", entries.Select(e => e.Index)));

        public void SaveSnapshot(Snapshot snapshot) => log.Add("save snapshot " + snapshot.Index);

        public void Sync()
        {
            if (FailSync)
            {
                throw new IOException("disk full");
            }

            log.Add("sync");
        }

        public void Dispose()
        {
        }
    }

    private sealed class RecordingHandler(List<string> log) : IConsensusReadyHandler
    {
        public ReadyStage? StopAt { get; init; }

        public bool Continue(ReadyStage stage, Ready? ready, int index)
        {
            log.Add(stage == ReadyStage.Sending ? $"Sending {index}" : stage.ToString());
            return stage != StopAt;
        }

        public void Send(IProtocolMessage message) => log.Add("send");

        public void Restore(Snapshot snapshot) => log.Add("restore " + snapshot.Index);

        public void Apply(LogEntry entry) => log.Add("apply " + entry.Index);

        public void ServeRead(ReadState read) => log.Add("read " + read.Index);

        public ReadOnlyMemory<byte> TakeSnapshot(long appliedIndex)
        {
            log.Add("take " + appliedIndex);
            return new byte[] { 1 };
        }
    }
}
