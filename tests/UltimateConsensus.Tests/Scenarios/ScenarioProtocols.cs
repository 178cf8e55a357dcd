using System.Globalization;
using Kernel.Sdk.Consensus;
using Microsoft.Extensions.Configuration;

namespace UltimateConsensus.Tests.Scenarios;

/// <summary>
/// The leader-based log protocols the 6.5840 scenarios run against, one row each: how to build the strategy and how to
/// give it the scenarios' timing (an election timeout drawn from [min, max) ticks, a heartbeat every so many ticks).
/// Only the SDK's contract is used (<see cref="IConsensusStrategy"/>, <see cref="ConsensusStatus"/>), so a protocol
/// joins by adding its row here. Scenarios that count Raft's own messages or read Raft's log stay Raft-only.
/// </summary>
internal static class ScenarioProtocols
{
    private static readonly Dictionary<string, Protocol> Rows = new(StringComparer.Ordinal)
    {
        ["raft"] = new(() => new RaftStrategy(), TimingOptions),
        ["multi-paxos"] = new(() => new MultiPaxosStrategy(), TimingOptions),
        // VR's backup starts a view change after viewChangeTimeout ticks of silence from its primary. A new cluster starts
        // in view 0 with its primary (no election, so no term 1), which appends nothing of its own.
        ["vr"] = new(() => new VrStrategy(), (min, max, heartbeat) => StrategyTests.Config(
            ("viewChangeTimeoutMinTicks", min.ToString(CultureInfo.InvariantCulture)),
            ("viewChangeTimeoutMaxTicks", max.ToString(CultureInfo.InvariantCulture)),
            ("heartbeatIntervalTicks", heartbeat.ToString(CultureInfo.InvariantCulture))), FirstTerm: 0, FirstLeaderEntries: 0),

        // ZAB's follower gives up on a silent leader after syncLimit ticks (its election timeout); initLimit bounds synchronization.
        ["zab"] = new(() => new ZabStrategy(), (min, max, heartbeat) => StrategyTests.Config(
            ("syncLimitTicks", min.ToString(CultureInfo.InvariantCulture)),
            ("initLimitTicks", max.ToString(CultureInfo.InvariantCulture)),
            ("heartbeatIntervalTicks", heartbeat.ToString(CultureInfo.InvariantCulture)))),
    };

    /// <summary>Every row's name.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in Rows.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    /// <summary>Every row with seeds 1..<paramref name="seeds"/>.</summary>
    public static TheoryData<string, long> WithSeeds(int seeds)
    {
        var data = new TheoryData<string, long>();
        foreach (var name in Rows.Keys)
        {
            for (var seed = 1; seed <= seeds; seed++)
            {
                data.Add(name, seed);
            }
        }

        return data;
    }

    /// <summary>As <see cref="WithSeeds"/>, without the one row <paramref name="protocol"/> with <paramref name="seed"/>.</summary>
    public static TheoryData<string, long> WithSeedsExcept(int seeds, string protocol, long seed)
    {
        _ = Get(protocol);
        var data = new TheoryData<string, long>();
        foreach (var row in WithSeeds(seeds))
        {
            if ((string)row[0] != protocol || (long)row[1] != seed)
            {
                data.Add((string)row[0], (long)row[1]);
            }
        }

        return data;
    }

    public static IConsensusStrategy Create(string protocol) => Get(protocol).Create();

    /// <summary>The term (view, epoch, ballot round) of a new cluster's first leader at the least: 1 where it is elected.</summary>
    public static long FirstTerm(string protocol) => Get(protocol).FirstTerm;

    /// <summary>Entries a new cluster's first leader appends before the first command (Raft's no-op of §8, and its peers').</summary>
    public static int FirstLeaderEntries(string protocol) => Get(protocol).FirstLeaderEntries;

    public static IConfiguration Options(string protocol, int electionMinTicks, int electionMaxTicks, int heartbeatTicks) =>
        Get(protocol).Options(electionMinTicks, electionMaxTicks, heartbeatTicks);

    private static Protocol Get(string protocol) =>
        Rows.TryGetValue(protocol, out var row) ? row : throw new ArgumentException($"no scenario row '{protocol}'; rows: {string.Join(", ", Rows.Keys)}", nameof(protocol));

    /// <summary>The timing options as Raft and Multi-Paxos name them.</summary>
    private static IConfiguration TimingOptions(int electionMinTicks, int electionMaxTicks, int heartbeatTicks) => StrategyTests.Config(
        ("electionTimeoutMinTicks", electionMinTicks.ToString(CultureInfo.InvariantCulture)),
        ("electionTimeoutMaxTicks", electionMaxTicks.ToString(CultureInfo.InvariantCulture)),
        ("heartbeatIntervalTicks", heartbeatTicks.ToString(CultureInfo.InvariantCulture)));

    private sealed record Protocol(Func<IConsensusStrategy> Create, Func<int, int, int, IConfiguration> Options, long FirstTerm = 1, int FirstLeaderEntries = 1);
}
