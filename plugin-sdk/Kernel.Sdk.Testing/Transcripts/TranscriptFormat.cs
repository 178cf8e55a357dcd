using System.Globalization;
using System.Text;

using Kernel.Sdk.Consensus;

namespace Kernel.Sdk.Testing.Transcripts;

/// <summary>
/// How transcripts print protocol-neutral values: nodes as their number, log positions as <c>term/index</c>, entries as
/// <c>term/index noop</c>, <c>term/index config voters=(1,2,3)</c> or <c>term/index "command"</c>.
/// </summary>
internal static class TranscriptFormat
{
    public static string Entry(in LogEntry e)
    {
        var position = Position(e.Term, e.Index);
        return e.Kind switch
        {
            EntryKind.Noop => position + " noop",
            EntryKind.Membership => position + " config " + MembershipOf(e.Data.Span),
            _ => position + " " + Data(e.Data.Span),
        };
    }

    public static string Position(long term, long index) => string.Create(CultureInfo.InvariantCulture, $"{term}/{index}");

    /// <summary>Bytes as a quoted string when printable ASCII, else as hex (at most 32 bytes shown).</summary>
    public static string Data(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (b is < 0x20 or > 0x7e or (byte)'"' or (byte)'\\')
            {
                var shown = Convert.ToHexStringLower(data[..Math.Min(data.Length, 32)]);
                return data.Length > 32 ? string.Create(CultureInfo.InvariantCulture, $"0x{shown}... ({data.Length} bytes)") : "0x" + shown;
            }
        }

        return "\"" + Encoding.ASCII.GetString(data) + "\"";
    }

    public static string Membership(Membership m)
    {
        var text = "voters=(" + string.Join(",", m.Voters.Select(v => v.Value)) + ")";
        return m.Learners.Count > 0 ? text + " learners=(" + string.Join(",", m.Learners.Select(l => l.Value)) + ")" : text;
    }

    public static string Status(ConsensusStatus s) =>
        string.Create(CultureInfo.InvariantCulture, $"{s.Id.Value}: {s.Role} term={s.Term} leader={Node(s.Leader)} last={s.LastIndex} commit={s.Commit} applied={s.Applied} {Membership(s.Membership)}");

    public static string Node(Kernel.Sdk.Cluster.NodeId id) => id.IsNone ? "none" : id.Value.ToString(CultureInfo.InvariantCulture);

    public static string Snapshot(Snapshot s) =>
        string.Create(CultureInfo.InvariantCulture, $"{Position(s.Term, s.Index)} {Membership(s.Membership)} data={s.Data.Length} bytes");

    private static string MembershipOf(ReadOnlySpan<byte> data)
    {
        try
        {
            return Membership(Consensus.Membership.Decode(data));
        }
        catch (FormatException)
        {
            return Data(data);
        }
    }
}
