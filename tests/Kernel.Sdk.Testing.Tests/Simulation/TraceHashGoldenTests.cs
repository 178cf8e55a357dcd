using Kernel.Sdk.Replication;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Verification;
using Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;

namespace Kernel.Sdk.Testing.Tests.Simulation;

/// <summary>
/// Trace hashes of the toy strategies' seeds, recorded before the simulator was split by concern and the Ready loop
/// became one driver: a refactoring must replay every seed event for event. A change on purpose updates the values and
/// says why in the same commit.
/// <para>Changed on purpose once: the toy Raft's two seeds when strategies began declaring their capabilities. The toy
/// declares no leadership transfer and no membership changes, so the nemesis no longer tries them on it (with both
/// declared, the old hashes come back: 296d04c7... and 9160217d...).</para>
/// </summary>
public sealed class TraceHashGoldenTests
{
    [Theory]
    [InlineData("toy-raft", 5, 1, "4a2bc1e94596dc925da435970aeea03f")]
    [InlineData("toy-raft", 3, 2, "3712f4f8b5702a0d6498df3c7a38eeeb")]
    [InlineData("toy-primary-backup", 3, 3, "0bd6fc72a8d06ed485658e49b5564ee2")]
    [InlineData("toy-lww", 3, 4, "133b01fd887f8a82f4500d373c9337ba")]
    [InlineData("toy-lww", 5, 5, "1075546f3c4b4f5e1a7e3ac11da2a6f2")]
    public void A_seed_replays_the_run_recorded_before_the_split(string toy, int nodes, long seed, string expected)
    {
        IStrategy strategy = toy switch
        {
            "toy-raft" => new ToyRaftStrategy(),
            "toy-primary-backup" => new ToyPrimaryBackupStrategy(),
            _ => new ToyLwwStrategy(),
        };
        var summary = Verifier.Run(strategy, new VerifyOptions
        {
            FirstSeed = seed,
            Seeds = 1,
            Simulation = new SimulationOptions { Nodes = nodes, SafetyDuration = TimeSpan.FromSeconds(4) },
        });

        Assert.Equal(expected, summary.TraceHashes[0]);
    }
}
