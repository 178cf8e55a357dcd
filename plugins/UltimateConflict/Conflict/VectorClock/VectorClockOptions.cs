using Kernel.Sdk.Strategies;

namespace UltimateConflict.Conflict.VectorClock;

/// <summary>The options of <c>conflict/vector-clock</c>, read once from an entry's <c>options</c> object.</summary>
public sealed class VectorClockOptions
{
    /// <summary>The default of <see cref="MaxSiblings"/>: 0, no limit.</summary>
    public const int DefaultMaxSiblings = 0;

    /// <summary>
    /// Option <c>maxSiblings</c> (0..1024): the most concurrent versions kept as siblings; beyond it the latest ones
    /// (highest timestamp, then greater replica id) are kept and the rest are dropped and recorded in the explanation.
    /// 0 (the default) keeps every concurrent version, as Riak does.
    /// </summary>
    public int MaxSiblings { get; init; } = DefaultMaxSiblings;

    /// <summary>Reads the options (problems are collected in the reader, each naming the option and what is allowed).</summary>
    public static VectorClockOptions Read(OptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new VectorClockOptions { MaxSiblings = reader.Int("maxSiblings", DefaultMaxSiblings, 0, 1024) };
    }
}
