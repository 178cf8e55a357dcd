using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>The faults a simulation may inject. Names for command lines: see <see cref="SimFaultNames"/>.</summary>
[Flags]
public enum SimFaults
{
    /// <summary>No faults.</summary>
    None = 0,

    /// <summary>Network partitions of any shape, one-way ones included, each healed after a while.</summary>
    Partition = 1,

    /// <summary>Node crashes followed by restarts from what was durable.</summary>
    Crash = 2,

    /// <summary>Messages lost.</summary>
    Drop = 4,

    /// <summary>Messages delivered twice.</summary>
    Duplicate = 8,

    /// <summary>Messages held back long enough to be overtaken (a long-tail delay).</summary>
    Reorder = 16,

    /// <summary>Nodes whose clocks tick a few percent fast or slow.</summary>
    Clock = 32,

    /// <summary>Crashes tear unsynced writes (random prefix kept, garbage at its end) instead of losing them cleanly.</summary>
    Disk = 64,

    /// <summary>Nodes that stop processing for a while (a long GC or VM pause), their input queued.</summary>
    Pause = 128,

    /// <summary>The leader is asked to hand leadership to another voter.</summary>
    Transfer = 256,

    /// <summary>
    /// Single-server membership changes: a voter is removed, later added back as a learner and promoted to voter once
    /// it has caught up. The liveness phase restores every node as a voter.
    /// </summary>
    Membership = 512,

    /// <summary>Every fault of the default set (latent sector errors are asked for by name: <c>all,sector</c>).</summary>
    All = Partition | Crash | Drop | Duplicate | Reorder | Clock | Disk | Pause | Transfer | Membership,

    /// <summary>
    /// Latent sector errors: at a restart, a file of the node's disk may fail to read until it is rewritten. A strategy
    /// must not start on it (a read error is reported, never taken for missing or shorter data): the run checks that the
    /// start failed, then repairs the sector and starts the node again. Not part of <see cref="All"/>.
    /// </summary>
    Sector = 1024,
}

/// <summary>Parses and prints fault names: partition, crash, drop, duplicate, reorder, clock, disk, pause, transfer, membership, sector, all, none.</summary>
public static class SimFaultNames
{
    private static readonly (string Name, SimFaults Fault)[] Table =
    [
        ("partition", SimFaults.Partition), ("crash", SimFaults.Crash), ("drop", SimFaults.Drop),
        ("duplicate", SimFaults.Duplicate), ("reorder", SimFaults.Reorder), ("clock", SimFaults.Clock),
        ("disk", SimFaults.Disk), ("pause", SimFaults.Pause), ("transfer", SimFaults.Transfer), ("membership", SimFaults.Membership),
        ("sector", SimFaults.Sector),
    ];

    /// <summary>Every single fault name, in a fixed order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Table.Select(t => t.Name)];

    /// <summary>What a fault list may hold, for messages: "all, none, or a comma-separated list of partition, crash, ...".</summary>
    public static string Allowed => "all, none, or a comma-separated list of " + string.Join(", ", Names);

    /// <summary>
    /// Parses a comma- or space-separated list of names (<c>all</c> and <c>none</c> allowed), case-insensitive. <c>none</c>
    /// combined with any other name is a contradiction and an error; the error names the offending name and what is allowed.
    /// </summary>
    public static bool TryParse(string? text, out SimFaults faults, out string? error)
    {
        faults = SimFaults.None;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"no fault named; allowed: {Allowed}.";
            return false;
        }

        var names = text.Split([',', ' ', ';', '+'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Any(n => n.Equals("none", StringComparison.OrdinalIgnoreCase))
            && names.FirstOrDefault(n => !n.Equals("none", StringComparison.OrdinalIgnoreCase)) is { } other)
        {
            error = $"'none' contradicts '{other}'; give none alone, or the faults to inject ({Allowed}).";
            return false;
        }

        foreach (var raw in names)
        {
            if (raw.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                faults |= SimFaults.All;
                continue;
            }

            if (raw.Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var found = Array.FindIndex(Table, t => t.Name.Equals(raw, StringComparison.OrdinalIgnoreCase));
            if (found < 0)
            {
                error = $"unknown fault '{raw}'; allowed: {Allowed}.";
                faults = SimFaults.None;
                return false;
            }

            faults |= Table[found].Fault;
        }

        return true;
    }

    /// <summary>The names of a fault set: "all", "none" or a comma-separated list.</summary>
    public static string Format(SimFaults faults) =>
        faults == SimFaults.All ? "all"
        : faults == (SimFaults.All | SimFaults.Sector) ? "all,sector"
        : faults == SimFaults.None ? "none"
        : string.Join(",", Table.Where(t => faults.HasFlag(t.Fault)).Select(t => t.Name));
}

/// <summary>
/// Everything a simulated run depends on besides the strategy: together with the strategy a run is a pure function of
/// these options (the <see cref="Seed"/> included). Times are virtual. Defaults suit a 5-node cluster.
/// </summary>
public sealed record SimulationOptions
{
    /// <summary>The seed of the run's only pseudo-random generator.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>The most nodes a simulated cluster may have (<see cref="Nodes"/>).</summary>
    public const int MaxNodes = 15;

    /// <summary>The most client operations a safety phase may be given (<see cref="Operations"/>).</summary>
    public const int MaxOperations = 10_000_000;

    /// <summary>The longest safety phase (<see cref="SafetyDuration"/>): one simulated day.</summary>
    public static TimeSpan MaxSafetyDuration { get; } = TimeSpan.FromDays(1);

    /// <summary>Number of nodes (ids n1..nN), 1 to <see cref="MaxNodes"/>.</summary>
    public int Nodes { get; init; } = 5;

    /// <summary>The strategy's options section (null: empty).</summary>
    public IConfiguration? StrategyOptions { get; init; }

    /// <summary>
    /// Other strategies a replication strategy's options may name (<see cref="Replication.ReplicaOptions.Strategies"/>):
    /// <c>kernel verify</c> hands in the kernel's resolver; null when there are none.
    /// </summary>
    public Kernel.Sdk.Strategies.IStrategyResolver? Strategies { get; init; }

    /// <summary>Virtual time between two ticks of a node (before clock drift).</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Smallest one-way network delay.</summary>
    public TimeSpan MinDelay { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Uniform jitter added to <see cref="MinDelay"/>.</summary>
    public TimeSpan DelayJitter { get; init; } = TimeSpan.FromMilliseconds(4);

    /// <summary>Probability that a message gets a long-tail delay of up to <see cref="LongDelayMax"/> (with <see cref="SimFaults.Reorder"/>, more often).</summary>
    public double LongDelayProbability { get; init; } = 0.01;

    /// <summary>Largest long-tail delay.</summary>
    public TimeSpan LongDelayMax { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Virtual time an fsync costs: messages of a synced batch leave that much later.</summary>
    public TimeSpan SyncLatency { get; init; } = TimeSpan.Zero;

    /// <summary>Snapshot the state machine (and let the node compact its log) every this many applied entries; 0 never.</summary>
    public int SnapshotEvery { get; init; } = 100;

    /// <summary>Concurrent client processes of the workload.</summary>
    public int Clients { get; init; } = 5;

    /// <summary>Keys the workload uses (k0, k1, ...): few keys make conflicts, and the checker bite.</summary>
    public int Keys { get; init; } = 3;

    /// <summary>How long a client waits for an answer before recording the outcome as unknown.</summary>
    public TimeSpan ClientTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Largest pause of a client between two operations (uniform from zero).</summary>
    public TimeSpan ThinkTime { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>Reads go through the log as commands instead of <c>ReadIndex</c>.</summary>
    public bool ReadsThroughLog { get; init; }

    /// <summary>Faults injected during the safety phase.</summary>
    public SimFaults Faults { get; init; } = SimFaults.All;

    /// <summary>Length of the safety phase (faults on, clients running).</summary>
    public TimeSpan SafetyDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// When set, the clients issue this many operations in the safety phase and then wait, and the safety phase ends as
    /// soon as they have all completed (or at <see cref="SafetyDuration"/>, whichever comes first).
    /// </summary>
    public int? Operations { get; init; }

    /// <summary>Mean time between two nemesis actions.</summary>
    public TimeSpan NemesisInterval { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>With <see cref="SimFaults.Drop"/>: the probability that a message is lost in the safety phase.</summary>
    public double DropProbability { get; init; } = 0.05;

    /// <summary>With <see cref="SimFaults.Duplicate"/>: the probability that a message is delivered twice in the safety phase.</summary>
    public double DuplicateProbability { get; init; } = 0.05;

    /// <summary>With <see cref="SimFaults.Reorder"/>: the probability that a message takes a long delay (up to 300 ms) in the safety phase.</summary>
    public double ReorderProbability { get; init; } = 0.1;

    /// <summary>Once every fault is healed, the cluster must complete <see cref="LivenessOperations"/> operations within this time.</summary>
    public TimeSpan LivenessTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How soon, once every fault has healed, the liveness phase's operations must complete; null: within
    /// <see cref="LivenessTimeout"/>. <see cref="Simulator.Run(Kernel.Sdk.Consensus.IConsensusStrategy, SimulationOptions)"/> sets it
    /// from a strategy that declares <see cref="Kernel.Sdk.Consensus.IRecoveryBound"/>.
    /// </summary>
    public TimeSpan? RecoveryBound { get; init; }

    /// <summary>Operations (successful writes or reads) to complete in the liveness phase.</summary>
    public int LivenessOperations { get; init; } = 5;

    /// <summary>
    /// Faulty replicas of a Byzantine run, drawn from the seed (0: every replica honest). Only for a consensus strategy
    /// whose fault model is <see cref="Kernel.Sdk.Consensus.FaultModel.Byzantine"/>; up to f = ⌊(n-1)/3⌋ it must stay safe
    /// and live, above it the verifier is expected to find violations. The invariants judge honest replicas only.
    /// </summary>
    public int Byzantine { get; init; }

    /// <summary>What the faulty replicas do (default: every behaviour, each faulty replica drawing a mix of them from time to time).</summary>
    public ByzantineBehaviors ByzantineBehaviors { get; init; } = ByzantineBehaviors.All;

    /// <summary>The delay of <see cref="ByzantineBehaviors.EdgeDelay"/> (±30%): set it near the strategy's timeouts.</summary>
    public TimeSpan ByzantineEdgeDelay { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>
    /// Matching replies a <see cref="Kernel.Sdk.Consensus.ClientProtocol.ReplicaQuorum"/> client waits for; null: f+1, as
    /// the protocol requires. A smaller value is a deliberately broken client, for tests that show the checkers catch it.
    /// </summary>
    public int? ClientReplyQuorum { get; init; }

    /// <summary>Stop at the first violation (the default) or keep running to collect more.</summary>
    public bool StopOnViolation { get; init; } = true;

    /// <summary>Keep every applied entry of every node for <see cref="SimCluster.AppliedEntries"/> (memory grows with the run).</summary>
    public bool RecordAppliedEntries { get; init; } = true;

    /// <summary>Receives the event trace, one line per event (null: only the hash is computed).</summary>
    public TextWriter? Trace { get; init; }

    /// <summary>
    /// A protocol's own invariant, checked after every simulator event (null: none): called once per run with the
    /// cluster (every node started), it returns the check; a check that returns a message reports it as a
    /// <see cref="ViolationKinds.ProtocolInvariant"/> violation. For properties only the protocol can state (ZAB's
    /// primary order, one value per Paxos slot), read from <see cref="SimCluster.GetNode"/> and
    /// <see cref="SimCluster.AppliedEntries"/>. It only observes: the run (and its trace hash) is the same without it.
    /// </summary>
    public Func<SimCluster, Func<string?>>? Invariant { get; init; }

    /// <summary>
    /// Stops the run between two events once cancelled, with a <see cref="ViolationKinds.Hang"/> violation: how the
    /// verifier ends a seed past its wall-time limit. Not part of the run's inputs (a run that is not stopped is unchanged).
    /// </summary>
    public CancellationToken Abort { get; init; }

    /// <summary>Returns the problems of these options, one message each; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Nodes is < 1 or > MaxNodes)
        {
            errors.Add($"Nodes is {Nodes}; allowed 1..{MaxNodes}.");
        }

        if (Clients is < 0 or > 100)
        {
            errors.Add($"Clients is {Clients}; allowed 0..100.");
        }

        if (Keys is < 1 or > 1000)
        {
            errors.Add($"Keys is {Keys}; allowed 1..1000.");
        }

        if (TickInterval < TimeSpan.FromMicroseconds(10))
        {
            errors.Add("TickInterval must be at least 10 microseconds.");
        }

        if (MinDelay < TimeSpan.Zero || DelayJitter < TimeSpan.Zero || LongDelayMax < TimeSpan.Zero || SyncLatency < TimeSpan.Zero)
        {
            errors.Add("Delays must not be negative.");
        }

        if (LongDelayProbability is < 0 or > 1)
        {
            errors.Add("LongDelayProbability must be within 0..1.");
        }

        if (DropProbability is < 0 or > 1 || DuplicateProbability is < 0 or > 1 || ReorderProbability is < 0 or > 1)
        {
            errors.Add("DropProbability, DuplicateProbability and ReorderProbability must be within 0..1.");
        }

        if (Operations is < 1 or > MaxOperations)
        {
            errors.Add($"Operations is {Operations}; allowed 1..{MaxOperations}.");
        }

        if (SafetyDuration > MaxSafetyDuration)
        {
            errors.Add($"SafetyDuration is {SafetyDuration}; allowed up to {MaxSafetyDuration}.");
        }

        if (SnapshotEvery < 0)
        {
            errors.Add("SnapshotEvery must not be negative.");
        }

        if (ClientTimeout <= TimeSpan.Zero || SafetyDuration < TimeSpan.Zero || LivenessTimeout <= TimeSpan.Zero || NemesisInterval <= TimeSpan.Zero)
        {
            errors.Add("ClientTimeout, LivenessTimeout and NemesisInterval must be positive and SafetyDuration not negative.");
        }

        if (Byzantine < 0 || (Byzantine > 0 && Byzantine >= Nodes))
        {
            errors.Add($"Byzantine is {Byzantine}; allowed 0..{Math.Max(0, Nodes - 1)} for {Nodes} nodes (f = {Math.Max(0, (Nodes - 1) / 3)} is what a Byzantine protocol tolerates).");
        }

        if ((ByzantineBehaviors & ~ByzantineBehaviors.All) != 0)
        {
            errors.Add("ByzantineBehaviors holds unknown flags.");
        }

        if (ByzantineEdgeDelay < TimeSpan.Zero)
        {
            errors.Add("ByzantineEdgeDelay must not be negative.");
        }

        if (ClientReplyQuorum is { } q && (q < 1 || q > Nodes))
        {
            errors.Add($"ClientReplyQuorum is {q}; allowed 1..{Nodes}.");
        }

        if ((Faults & ~(SimFaults.All | SimFaults.Sector)) != 0)
        {
            errors.Add("Faults holds unknown flags.");
        }

        return errors;
    }
}

/// <summary>An empty configuration section, for strategies run without options.</summary>
internal sealed class EmptyConfiguration : IConfiguration
{
    public static EmptyConfiguration Instance { get; } = new();

    public string? this[string key]
    {
        get => null;
        set => throw new NotSupportedException();
    }

    public IEnumerable<IConfigurationSection> GetChildren() => [];

    public IChangeToken GetReloadToken() => NeverChanges.Instance;

    public IConfigurationSection GetSection(string key) => new EmptySection(key);

    private sealed class EmptySection(string key) : IConfigurationSection
    {
        public string Key => key;

        public string Path => key;

        public string? Value
        {
            get => null;
            set => throw new NotSupportedException();
        }

        public string? this[string k]
        {
            get => null;
            set => throw new NotSupportedException();
        }

        public IEnumerable<IConfigurationSection> GetChildren() => [];

        public IChangeToken GetReloadToken() => NeverChanges.Instance;

        public IConfigurationSection GetSection(string k) => new EmptySection(key + ":" + k);
    }

    private sealed class NeverChanges : IChangeToken
    {
        public static NeverChanges Instance { get; } = new();

        public bool HasChanged => false;

        public bool ActiveChangeCallbacks => false;

        public IDisposable RegisterChangeCallback(Action<object?> callback, object? state) => Nothing.Instance;
    }

    private sealed class Nothing : IDisposable
    {
        public static Nothing Instance { get; } = new();

        public void Dispose()
        {
        }
    }
}
