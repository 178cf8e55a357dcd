namespace Kernel.Sdk.Consensus;

/// <summary>What a log entry carries.</summary>
public enum EntryKind : byte
{
    /// <summary>An application command, applied to the state machine.</summary>
    Command = 0,

    /// <summary>An empty entry a new leader appends to commit entries of earlier terms; not applied.</summary>
    Noop = 1,

    /// <summary>A new configuration, encoded by <see cref="Membership.Encode"/>; applied by the protocol itself, not by the state machine.</summary>
    Membership = 2,
}

/// <summary>An entry of a replicated log.</summary>
/// <param name="Index">Position in the log, from 1.</param>
/// <param name="Term">The term (ballot, epoch or view) in which a leader created it.</param>
/// <param name="Kind">What it carries.</param>
/// <param name="Data">The payload: a command, or an encoded membership change.</param>
public readonly record struct LogEntry(long Index, long Term, EntryKind Kind, ReadOnlyMemory<byte> Data)
{
    /// <summary>Bytes the entry occupies on the wire and in the log, for flow control.</summary>
    public int Size => 17 + Data.Length;

    /// <summary>
    /// The entry as traces and transcripts print it: <c>term/index</c>, then <c>noop</c>, <c>config voters=(1,2,3)</c> or
    /// the payload (<see cref="Cluster.ByteText.Format"/>).
    /// </summary>
    public override string ToString()
    {
        var position = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Term}/{Index}");
        return Kind switch
        {
            EntryKind.Noop => position + " noop",
            EntryKind.Membership => position + " config " + MembershipText(Data.Span),
            _ => position + " " + Cluster.ByteText.Format(Data.Span),
        };
    }

    private static string MembershipText(ReadOnlySpan<byte> data)
    {
        try
        {
            return Consensus.Membership.Decode(data).ToString();
        }
        catch (FormatException)
        {
            return Cluster.ByteText.Format(data);
        }
    }
}
