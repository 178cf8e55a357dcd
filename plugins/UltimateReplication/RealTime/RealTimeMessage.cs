namespace UltimateReplication.RealTime;

/// <summary>The kinds of <c>replication/real-time</c>'s messages (a <see cref="Shared.GossipMessage{TKind}"/>).</summary>
internal enum RealTimeMessageType : byte
{
    /// <summary>One write (one cell), push number <c>Seq</c> of the sender's incarnation <c>Incarnation</c>.</summary>
    Push = 1,

    /// <summary>Push <c>Seq</c> of the receiver's incarnation <c>Incarnation</c> is durable here.</summary>
    PushAck = 2,

    /// <summary>Anti-entropy: the sender's hash of every key range; <c>Seq</c> is the catch-up round (0: background).</summary>
    Digest = 3,

    /// <summary>The ranges that differ (none: in sync) and the replier's cells in them, for round <c>Seq</c>.</summary>
    DigestReply = 4,

    /// <summary>The cells of those ranges newer on the sender, for round <c>Seq</c>.</summary>
    Entries = 5,

    /// <summary>The entries of round <c>Seq</c> are durable here.</summary>
    EntriesAck = 6,
}
