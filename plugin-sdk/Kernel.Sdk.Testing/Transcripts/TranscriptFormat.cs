using System.Globalization;

using Kernel.Sdk.Consensus;

namespace Kernel.Sdk.Testing.Transcripts;

/// <summary>
/// How transcripts print protocol-neutral values: nodes as their number, log positions as <c>term/index</c>. Entries,
/// memberships and payloads print as the SDK prints them (<see cref="LogEntry.ToString"/>, <see cref="Membership.ToString"/>,
/// <see cref="Cluster.ByteText.Format"/>), so a transcript and a protocol's messages agree.
/// </summary>
internal static class TranscriptFormat
{
    public static string Position(long term, long index) => string.Create(CultureInfo.InvariantCulture, $"{term}/{index}");

    public static string Status(ConsensusStatus s) =>
        string.Create(CultureInfo.InvariantCulture, $"{s.Id.Value}: {s.Role} term={s.Term} leader={Node(s.Leader)} last={s.LastIndex} commit={s.Commit} applied={s.Applied} {s.Membership}");

    public static string Node(Kernel.Sdk.Cluster.NodeId id) => id.IsNone ? "none" : id.Value.ToString(CultureInfo.InvariantCulture);

    public static string Snapshot(Snapshot s) =>
        string.Create(CultureInfo.InvariantCulture, $"{Position(s.Term, s.Index)} {s.Membership} data={s.Data.Length} bytes");
}
