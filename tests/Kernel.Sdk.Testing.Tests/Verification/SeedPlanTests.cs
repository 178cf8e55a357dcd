using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;
using Kernel.Sdk.Testing.Verification;
using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Testing.Tests.Verification;

/// <summary>Per-seed plans: options drawn from what a strategy declares, fault schedules, and the declared recovery bound.</summary>
public sealed class SeedPlanTests
{
    /// <summary>The correct toy Raft, declaring two options to vary (one combination refused) and a recovery bound.</summary>
    private sealed class DeclaringToy(long recoveryTicks = 1000) : IConsensusStrategy, IOptionVariations, IRecoveryBound
    {
        private readonly ToyRaftStrategy _inner = new();

        public StrategyCategory Category => StrategyCategory.Consensus;

        public string Name => "declaring-toy";

        public string Description => "toy Raft declaring option variations";

        public IMessageCodec Codec => _inner.Codec;

        public ConsensusCapabilities Capabilities => _inner.Capabilities;

        public IReadOnlyList<OptionVariation> Variations { get; } = [new("a", ["1", "2"]), new("b", ["x", "y"])];

        public IReadOnlyList<string> ValidateOptions(IConfiguration options) =>
            options["a"] == "2" && options["b"] == "y" ? ["a=2 and b=y together are refused"] : [];

        public IConsensusStorage OpenStorage(IDurableDirectory directory) => _inner.OpenStorage(directory);

        public IConsensusNode CreateNode(ConsensusNodeOptions options) => _inner.CreateNode(options);

        public long RecoveryTicks(IConfiguration options) => recoveryTicks;
    }

    private static Dictionary<string, string> Drawn(SeedPlan plan) => plan.DrawnOptions.ToDictionary(o => o.Key, o => o.Value);

    [Fact]
    public void Options_are_drawn_per_seed_from_the_declared_values_deterministically_and_never_in_a_refused_combination()
    {
        var strategy = new DeclaringToy();
        var options = new VerifyOptions();
        var seen = new HashSet<string>();
        for (var seed = 1; seed <= 200; seed++)
        {
            var plan = SeedPlan.For(strategy, options, seed);
            Assert.Equal(plan.Describe(), SeedPlan.For(strategy, options, seed).Describe());
            var drawn = Drawn(plan);
            Assert.False(drawn.GetValueOrDefault("a") == "2" && drawn.GetValueOrDefault("b") == "y");
            foreach (var (k, v) in drawn)
            {
                seen.Add(k + "=" + v);
                Assert.Equal(v, plan.Simulation.StrategyOptions![k]);
            }
        }

        Assert.Equal(["a=1", "a=2", "b=x", "b=y"], seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Configured_options_are_never_varied_and_fixed_mode_varies_nothing()
    {
        var strategy = new DeclaringToy();
        var configured = new ConfigurationBuilder().AddInMemoryCollection([new("b", "x")]).Build();
        var options = new VerifyOptions { Simulation = new SimulationOptions { StrategyOptions = configured } };
        for (var seed = 1; seed <= 100; seed++)
        {
            var plan = SeedPlan.For(strategy, options, seed);
            Assert.DoesNotContain(plan.DrawnOptions, o => o.Key == "b");
            Assert.Equal("x", plan.Simulation.StrategyOptions!["b"]);
        }

        var fixedOptions = options with { VaryStrategyOptions = false, VaryFaultSchedule = false };
        for (var seed = 1; seed <= 50; seed++)
        {
            var plan = SeedPlan.For(strategy, fixedOptions, seed);
            Assert.Empty(plan.DrawnOptions);
            Assert.Equal(SimFaults.All, plan.Simulation.Faults);
            Assert.Equal(fixedOptions.Simulation.NemesisInterval, plan.Simulation.NemesisInterval);
        }
    }

    [Fact]
    public void Fault_schedules_take_subsets_of_the_requested_faults_and_a_quarter_run_them_all()
    {
        var requested = SimFaults.Crash | SimFaults.Partition | SimFaults.Drop | SimFaults.Disk;
        var options = new VerifyOptions { Simulation = new SimulationOptions { Faults = requested } };
        var all = 0;
        var single = 0;
        var intervals = new HashSet<TimeSpan>();
        for (var seed = 1; seed <= 400; seed++)
        {
            var sim = SeedPlan.For(new ToyRaftStrategy(), options, seed).Simulation;
            Assert.NotEqual(SimFaults.None, sim.Faults);
            Assert.Equal(sim.Faults, sim.Faults & requested);
            all += sim.Faults == requested ? 1 : 0;
            single += System.Numerics.BitOperations.PopCount((uint)sim.Faults) == 1 ? 1 : 0;
            intervals.Add(sim.NemesisInterval);
        }

        Assert.InRange(all, 100, 200); // a quarter always, plus the subsets that happen to keep every fault
        Assert.True(single > 20, "some seeds run one fault alone");
        Assert.True(intervals.Count >= 3, "the nemesis pace varies");
    }

    [Fact]
    public void A_run_that_misses_the_declared_recovery_bound_is_a_liveness_violation()
    {
        var strict = Verifier.Run(new DeclaringToy(recoveryTicks: 1), new VerifyOptions { Seeds = 3, VaryStrategyOptions = false });
        Assert.Contains(strict.Violations, v => v.Kind == ViolationKinds.Liveness && v.Message.Contains("declared recovery bound", StringComparison.Ordinal));

        var generous = Verifier.Run(new DeclaringToy(recoveryTicks: 1000), new VerifyOptions { Seeds = 3 });
        Assert.True(generous.Clean, string.Join(Environment.NewLine, generous.Violations));
        Assert.NotNull(generous.MedianRecovery);
        Assert.True(generous.SlowestRecovery >= generous.MedianRecovery);
    }

    [Fact]
    public void A_violating_seed_reports_the_plan_it_ran_with()
    {
        var summary = Verifier.Run(new ToyRaftStrategy(ToyFlaw.LocalReads), new VerifyOptions { Seeds = 20, StopAtFirstViolation = true });
        var seed = summary.FirstViolatingSeed!.Value;
        Assert.StartsWith("options as configured; faults ", summary.Plans[seed]);
        Assert.Contains("snapshot every", summary.Plans[seed]);
    }

    [Theory]
    [InlineData("Any", true, true, true, true)]
    [InlineData("HardStateOnly", true, false, false, false)]
    [InlineData("Entries", false, true, true, false)]
    [InlineData("Membership", false, false, true, false)]
    [InlineData("Snapshot", false, false, false, true)]
    public void Targeted_crashes_wait_for_the_kind_of_Ready_they_name(string triggerName, bool vote, bool entries, bool membership, bool snapshot)
    {
        var trigger = Enum.Parse<CrashTrigger>(triggerName);
        var hardState = new byte[] { 1 };
        Assert.Equal(vote, Kernel.Sdk.Testing.Simulation.Hosts.ConsensusHost.Matches(trigger, new Ready { HardState = hardState }));
        Assert.Equal(entries, Kernel.Sdk.Testing.Simulation.Hosts.ConsensusHost.Matches(trigger, new Ready { HardState = hardState, Entries = [new LogEntry(1, 1, EntryKind.Command, new byte[] { 7 })] }));
        Assert.Equal(membership, Kernel.Sdk.Testing.Simulation.Hosts.ConsensusHost.Matches(trigger, new Ready { Entries = [new LogEntry(2, 1, EntryKind.Membership, new byte[] { 7 })] }));
        Assert.Equal(snapshot, Kernel.Sdk.Testing.Simulation.Hosts.ConsensusHost.Matches(trigger, new Ready { Snapshot = new Snapshot(5, 1, new Membership([new NodeId(1)]), new byte[] { 1 }) }));
    }
}
