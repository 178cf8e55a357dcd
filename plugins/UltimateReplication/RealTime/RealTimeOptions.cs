using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateReplication.RealTime;

/// <summary>The options of <c>replication/real-time</c>. Times are in ticks (the runtime's tick length; 10 ms in the simulator).</summary>
public sealed class RealTimeOptions
{
    /// <summary>
    /// The lag budget: how long a write pushed to a peer may stay unacknowledged before that peer degrades to catch-up.
    /// Default 50 (500 ms at a 10 ms tick).
    /// </summary>
    public int LagBudgetTicks { get; init; } = 50;

    /// <summary>How long a push (or a catch-up round) waits for its acknowledgement before it is sent again. Default 5.</summary>
    public int ResendIntervalTicks { get; init; } = 5;

    /// <summary>How many pushes a peer may have unacknowledged; beyond it the peer degrades to catch-up. Default 1,024.</summary>
    public int MaxPendingPushes { get; init; } = 1024;

    /// <summary>How often a replica also compares key-range hashes with the next peer (background anti-entropy); 0: never (catch-up alone). Default 100.</summary>
    public int AntiEntropyIntervalTicks { get; init; } = 100;

    internal static RealTimeOptions Read(OptionReader r) => new()
    {
        LagBudgetTicks = r.Int("lagBudgetTicks", 50, 1, 1_000_000),
        ResendIntervalTicks = r.Int("resendIntervalTicks", 5, 1, 1_000_000),
        MaxPendingPushes = r.Int("maxPendingPushes", 1024, 1, 1_000_000),
        AntiEntropyIntervalTicks = r.Int("antiEntropyIntervalTicks", 100, 0, 1_000_000),
    };

    internal static RealTimeOptions Bind(IConfiguration options) => OptionReader.Bind(options, Read);
}
