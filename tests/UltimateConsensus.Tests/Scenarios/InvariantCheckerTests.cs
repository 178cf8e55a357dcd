using Kernel.Sdk.Consensus;

namespace UltimateConsensus.Tests.Scenarios;

/// <summary>The paper-property checker bites: logs corrupted through the node internals are reported at the next event.</summary>
public sealed class InvariantCheckerTests
{
    /// <summary>A leader that drops its own uncommitted entry breaks Leader Append-Only.</summary>
    [Fact]
    public void Leader_truncating_its_log_is_caught()
    {
        var s = RaftSim.Create(3);
        s.One(RaftSim.Cmd(1), 3, retry: false);
        var leader = s.CheckOneLeader();
        s.Disconnect((leader + 1) % 3);
        s.Disconnect((leader + 2) % 3);
        var a = s.Start(leader, RaftSim.Cmd(2));
        s.Start(leader, RaftSim.Cmd(3));
        var log = s.Raft(leader)!.Log;
        log.Append([new LogEntry(a.Index, a.Term, EntryKind.Command, RaftSim.Cmd(99))]);
        var ex = Assert.Throws<RaftInvariantException>(() => s.SleepMs(50));
        Assert.Contains("Leader Append-Only", ex.Message);
    }

    /// <summary>A follower holding another entry at an (index, term) some log already holds breaks Log Matching.</summary>
    [Fact]
    public void Divergent_entry_with_the_same_index_and_term_is_caught()
    {
        var s = RaftSim.Create(3);
        s.One(RaftSim.Cmd(1), 3, retry: false);
        var leader = s.CheckOneLeader();
        var follower = (leader + 1) % 3;
        s.Disconnect(follower);
        var a = s.Start(leader, RaftSim.Cmd(2));
        s.SleepMs(100);
        var log = s.Raft(follower)!.Log;
        log.Append([new LogEntry(a.Index, a.Term, EntryKind.Command, RaftSim.Cmd(77))]);
        var ex = Assert.Throws<RaftInvariantException>(() => s.SleepMs(50));
        Assert.Contains("Log Matching", ex.Message);
    }
}
