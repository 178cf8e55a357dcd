using Kernel.Sdk.Strategies;

namespace SamplePlugin;

/// <summary>What to do when several versions share the latest timestamp.</summary>
public enum TieBreak
{
    /// <summary><c>replica-id</c>: the version from the greater replica id wins.</summary>
    ReplicaId,

    /// <summary><c>none</c>: the tied versions are kept as siblings, for a reader or a person to reconcile.</summary>
    None,
}

/// <summary>The options of <c>conflict/sample-lww</c>, read once from its <c>options</c> object.</summary>
public sealed class SampleLwwOptions
{
    /// <summary>The default of <see cref="TieBreak"/>: <see cref="global::SamplePlugin.TieBreak.ReplicaId"/>.</summary>
    public const TieBreak DefaultTieBreak = global::SamplePlugin.TieBreak.ReplicaId;

    /// <summary>Option <c>tieBreak</c> (<c>replica-id</c> or <c>none</c>): what to do with versions tied on the latest timestamp. Default <c>replica-id</c>.</summary>
    public TieBreak TieBreak { get; init; } = DefaultTieBreak;

    /// <summary>Reads the options (problems are collected in the reader, each naming the option and what is allowed).</summary>
    public static SampleLwwOptions Read(OptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var tieBreak = reader.OneOf("tieBreak", "replica-id", "replica-id", "none");
        return new SampleLwwOptions { TieBreak = tieBreak == "none" ? global::SamplePlugin.TieBreak.None : global::SamplePlugin.TieBreak.ReplicaId };
    }
}
