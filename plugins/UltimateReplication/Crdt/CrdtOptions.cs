using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace UltimateReplication.Crdt;

/// <summary>The options of <c>replication/crdt</c>. Times are in ticks (the runtime's tick length).</summary>
public sealed class CrdtOptions
{
    /// <summary>The type the default <see cref="Type"/> names.</summary>
    public const string DefaultType = "crdt/lww-register";

    /// <summary>
    /// The <c>crdt/...</c> strategy (or named instance) every key's value is a state of, resolved by name. Default
    /// <c>crdt/lww-register</c> (UltimateConflict's).
    /// </summary>
    public string Type { get; init; } = DefaultType;

    /// <summary>
    /// The type's operation a write becomes: <c>{value}</c> is replaced by the value the model computes for the key from
    /// the value read (a put's value, an append's concatenation). Default <c>set 0 {value}</c> when <see cref="Type"/> is
    /// the default (a last-writer-wins register: key-value puts, appends and compare-and-sets), else <c>{value}</c> (a put's
    /// value is the operation itself: <c>inc 3</c>, <c>add x</c>).
    /// </summary>
    public string Operation { get; init; } = "set 0 {value}";

    /// <summary>How often a replica sends each neighbour the delta interval it has not acknowledged. Default 2.</summary>
    public int GossipIntervalTicks { get; init; } = 2;

    /// <summary>How long a delta interval or state exchange waits for its acknowledgement before it is sent again. Default 10.</summary>
    public int ResendIntervalTicks { get; init; } = 10;

    /// <summary>How many deltas a replica keeps for neighbours that have not acknowledged them; beyond, the oldest go and such a neighbour gets full states. Default 4,096.</summary>
    public int MaxDeltas { get; init; } = 4096;

    /// <summary>How often a replica also compares key-range digests with the next neighbour (background anti-entropy); 0: never (the fallback alone). Default 50.</summary>
    public int AntiEntropyIntervalTicks { get; init; } = 50;

    internal StrategyReference? TypeReference { get; private init; }

    internal static CrdtOptions Read(OptionReader r)
    {
        var type = r.Reference("type", Kernel.Sdk.Strategies.StrategyCategory.Crdt, DefaultType);
        var operation = r.Strings("operation", [type?.Key == DefaultType ? "set 0 {value}" : "{value}"]);
        if (operation.Count != 1 || !operation[0].Contains("{value}", StringComparison.Ordinal))
        {
            r.Fail($"Option 'operation' is '{string.Join(", ", operation)}'; expected one text with {{value}} in it (the value a write computes), such as 'set 0 {{value}}' or '{{value}}'.");
        }

        return new()
        {
            Type = type?.Key ?? DefaultType,
            TypeReference = type,
            Operation = operation[0],
            GossipIntervalTicks = r.Int("gossipIntervalTicks", 2, 1, 1_000_000),
            ResendIntervalTicks = r.Int("resendIntervalTicks", 10, 1, 1_000_000),
            MaxDeltas = r.Int("maxDeltas", 4096, 1, 10_000_000),
            AntiEntropyIntervalTicks = r.Int("antiEntropyIntervalTicks", 50, 0, 1_000_000),
        };
    }

    internal static CrdtOptions Bind(IConfiguration options) => OptionReader.Bind(options, Read);
}
