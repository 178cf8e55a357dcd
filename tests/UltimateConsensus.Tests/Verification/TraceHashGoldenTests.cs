using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Verification;

namespace UltimateConsensus.Tests.Verification;

/// <summary>
/// Trace hashes of a handful of Raft seeds, recorded before the simulator was split by concern and the Ready loop became
/// one driver. A refactoring of the simulator or the driver must leave every seed's run event for event the same, or the
/// seeds users recorded stop replaying. A change of behaviour on purpose (in Raft, the simulator or the fault plan)
/// updates these values in the same commit and says why.
/// </summary>
public sealed class TraceHashGoldenTests
{
    [Theory]
    [InlineData(5, "all", true, 1, "92430b73aa1818f277b27e20943ef5b6")]
    [InlineData(5, "all", true, 2, "0b49a360d8c0a3ca3e19f29a8f7411b8")]
    [InlineData(3, "all", true, 3, "e364d155fca60112f2a3086bfd48b780")]
    [InlineData(3, "all", true, 4, "8b95b0da9706f19c1eb54d62e26169b1")]
    [InlineData(5, "all", false, 5, "873d2a8099d5f3a9da3f5d6511efcd69")]
    [InlineData(7, "partition,crash,disk,membership", true, 6, "596b8479768ac85c4cad0608dbb71f23")] // changed when a leader began to send its appends before its own write (Ready.SendBeforePersist)
    public void A_seed_replays_the_run_recorded_before_the_split(int nodes, string faults, bool varied, long seed, string expected)
    {
        Assert.True(SimFaultNames.TryParse(faults, out var parsed, out var error), error);
        var summary = Verifier.Run(new RaftStrategy(), new VerifyOptions
        {
            FirstSeed = seed,
            Seeds = 1,
            VaryFaultSchedule = varied,
            VaryStrategyOptions = varied,
            Simulation = new SimulationOptions { Nodes = nodes, Faults = parsed, SafetyDuration = TimeSpan.FromSeconds(5) },
        });

        Assert.Equal(expected, summary.TraceHashes[0]);
    }
}
