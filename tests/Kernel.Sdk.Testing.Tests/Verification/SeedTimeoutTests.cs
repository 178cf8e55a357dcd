using Kernel.Sdk.Cluster;
using Kernel.Sdk.Conflict;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;
using Kernel.Sdk.Testing.Verification;
using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Testing.Tests.Verification;

/// <summary>A seed past its wall-time limit is reported as a hang and the run goes on, whether or not the strategy lets go.</summary>
public sealed class SeedTimeoutTests
{
    [Fact]
    public void A_slow_strategy_is_stopped_between_events_and_reported()
    {
        using var slow = new Stalling(TimeSpan.FromMilliseconds(5), blockForever: false);
        var summary = Verifier.Run(slow, new VerifyOptions
        {
            Seeds = 2,
            SeedTimeout = TimeSpan.FromSeconds(1),
            Simulation = new SimulationOptions { Nodes = 3 },
        });

        Assert.Equal(2, summary.SeedsRun);
        Assert.All(summary.Violations, v => Assert.Equal(ViolationKinds.Hang, v.Kind));
        Assert.Equal(2, summary.Violations.Count);
        Assert.Contains("stopped at its wall-time limit", summary.Violations[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_strategy_that_never_returns_is_left_behind_and_reported()
    {
        using var stuck = new Stalling(TimeSpan.Zero, blockForever: true);
        var summary = Verifier.Run(stuck, new VerifyOptions
        {
            Seeds = 1,
            SeedTimeout = TimeSpan.FromSeconds(1),
            Simulation = new SimulationOptions { Nodes = 3 },
        });

        var hang = Assert.Single(summary.Violations);
        Assert.Equal(ViolationKinds.Hang, hang.Kind);
        Assert.Contains("did not stop when asked", hang.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_seed_within_its_limit_is_unchanged()
    {
        var limited = Verifier.Run(new ToyLwwStrategy(), new VerifyOptions { Seeds = 2, SeedTimeout = TimeSpan.FromMinutes(5) });
        var unlimited = Verifier.Run(new ToyLwwStrategy(), new VerifyOptions { Seeds = 2, SeedTimeout = null });
        Assert.Equal(unlimited.TraceHashes, limited.TraceHashes);
        Assert.Contains("SeedTimeout must be positive", string.Join(" ", new VerifyOptions { SeedTimeout = TimeSpan.Zero }.Validate()), StringComparison.Ordinal);
    }

    /// <summary>toy-lww whose replicas take <c>delay</c> of wall time per tick, or block on their tenth tick until disposed.</summary>
    private sealed class Stalling(TimeSpan delay, bool blockForever) : IReplicationStrategy, IDisposable
    {
        private readonly ToyLwwStrategy _inner = new();
        private readonly ManualResetEventSlim _release = new();

        private TimeSpan Delay => delay;

        private bool BlockForever => blockForever;

        public StrategyCategory Category => _inner.Category;

        public string Name => "stalling";

        public string Description => "toy-lww that stalls";

        public ReplicationGuarantee Guarantee => _inner.Guarantee;

        public IMessageCodec Codec => _inner.Codec;

        public IReadOnlyList<string> ValidateOptions(IConfiguration options) => [];

        public IReplicaNode CreateReplica(ReplicaOptions options) => new Replica(_inner.CreateReplica(options), this);

        public void Dispose()
        {
            _release.Set();
            _release.Dispose();
        }

        private sealed class Replica(IReplicaNode inner, Stalling owner) : IReplicaNode
        {
            private int _ticks;

            public NodeId Id => inner.Id;

            public bool HasReady => inner.HasReady;

            public void Tick()
            {
                if (owner.Delay > TimeSpan.Zero)
                {
                    Thread.Sleep(owner.Delay);
                }

                if (owner.BlockForever && ++_ticks == 10)
                {
                    owner._release.Wait();
                }

                inner.Tick();
            }

            public void Step(IProtocolMessage message) => inner.Step(message);

            public SubmitResult Submit(long requestId, ReplicaCommand command) => inner.Submit(requestId, command);

            public ReplicaReady GetReady() => inner.GetReady();

            public void Advance(ReplicaReady ready) => inner.Advance(ready);

            public IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>> Contents() => inner.Contents();
        }
    }
}
