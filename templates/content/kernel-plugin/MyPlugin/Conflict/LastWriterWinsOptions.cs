using Kernel.Sdk.Strategies;

namespace MyPlugin;

/// <summary>The options of <c>conflict/last-writer-wins</c>, read once from its <c>options</c> object.</summary>
public sealed class LastWriterWinsOptions
{
    /// <summary>
    /// Option <c>tieBreak</c>: <c>replica-id</c> (the default) gives versions tied on the latest timestamp to the greater
    /// replica id; <c>none</c> keeps them as siblings for a person to reconcile.
    /// </summary>
    public bool BreakTiesByReplica { get; init; } = true;

    /// <summary>Reads the options; problems are collected in the reader, each naming the option and what is allowed.</summary>
    public static LastWriterWinsOptions Read(OptionReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new LastWriterWinsOptions { BreakTiesByReplica = reader.OneOf("tieBreak", "replica-id", "replica-id", "none") == "replica-id" };
    }
}
