namespace UltimateConsensus.Tests.Scenarios;

/// <summary>6.5840 Raft lab part 3A (leader election) on the simulator; timing in <see cref="RaftSim"/>.</summary>
public sealed class Election3ATests
{
    /// <summary>
    /// MIT TestInitialElection3A: 3 servers; a leader within checkOneLeader's ~5 s, every server on the same term (at least 1, or
    /// the row's first term: VR's first view is 0),
    /// and with no failure the term (and the leader) stay the same for 2 × RaftElectionTimeout = 2 s.
    /// (The lab only warns when the term changes; with no faults at all we hold the implementation to it.)
    /// </summary>
    [Theory]
    [MemberData(nameof(ScenarioProtocols.WithSeeds), 3, MemberType = typeof(ScenarioProtocols))]
    public void InitialElection(string protocol, long seed)
    {
        var s = RaftSim.Create(3, seed, protocol: protocol);
        var leader = s.CheckOneLeader();
        Assert.True(s.Now <= TimeSpan.FromSeconds(5), $"leader only at {s.Now}");
        s.SleepMs(50);
        var term1 = s.CheckTerms();
        var least = ScenarioProtocols.FirstTerm(protocol);
        Assert.True(term1 >= least, $"term is {term1}, but should be at least {least}");
        s.Sleep(2 * RaftSim.ElectionTimeout);
        var term2 = s.CheckTerms();
        Assert.Equal(term1, term2);
        Assert.Equal(leader, s.CheckOneLeader());
        s.End();
    }

    /// <summary>
    /// MIT TestReElection3A: 3 servers; a new leader (within ~5 s) when the leader is disconnected; the old one rejoining does
    /// not disturb it; no leader without a quorum for 2 s; a leader again once a quorum is back, and after the last rejoin.
    /// </summary>
    [Theory]
    [MemberData(nameof(ScenarioProtocols.WithSeeds), 2, MemberType = typeof(ScenarioProtocols))]
    public void ReElection(string protocol, long seed)
    {
        const int servers = 3;
        var s = RaftSim.Create(servers, seed, protocol: protocol);
        var leader1 = s.CheckOneLeader();

        s.Disconnect(leader1);
        s.CheckOneLeader();

        s.Connect(leader1);
        var leader2 = s.CheckOneLeader();

        s.Disconnect(leader2);
        s.Disconnect((leader2 + 1) % servers);
        s.Sleep(2 * RaftSim.ElectionTimeout);
        s.CheckNoLeader();

        s.Connect((leader2 + 1) % servers);
        s.CheckOneLeader();

        s.Connect(leader2);
        s.CheckOneLeader();
        s.End();
    }

    /// <summary>
    /// MIT TestManyElections3A: 7 servers, iters = 10 (9 rounds, as the lab loops) of disconnecting 3 random servers (maybe fewer, with repeats): the other
    /// four keep or elect a leader within checkOneLeader's ~5 s; then everyone reconnects.
    /// </summary>
    [Theory]
    [MemberData(nameof(ScenarioProtocols.WithSeeds), 2, MemberType = typeof(ScenarioProtocols))]
    public void ManyElections(string protocol, long seed)
    {
        const int servers = 7;
        var s = RaftSim.Create(servers, seed, protocol: protocol);
        s.CheckOneLeader();
        for (var ii = 1; ii < 10; ii++)
        {
            var i1 = s.Rng.Next(servers);
            var i2 = s.Rng.Next(servers);
            var i3 = s.Rng.Next(servers);
            s.Disconnect(i1);
            s.Disconnect(i2);
            s.Disconnect(i3);

            // Either the current leader is still alive, or the remaining four elect a new one.
            s.CheckOneLeader();

            s.Connect(i1);
            s.Connect(i2);
            s.Connect(i3);
        }

        s.CheckOneLeader();
        s.End();
    }
}
