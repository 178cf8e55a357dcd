namespace UltimateReplication.Crdt;

/// <summary>The kinds of <c>replication/crdt</c>'s messages (a <see cref="Shared.GossipMessage{TKind}"/>).</summary>
internal enum CrdtMessageType : byte
{
    /// <summary>A delta interval: the sender's deltas after what the receiver acknowledged, through <c>Seq</c>, joined per key.</summary>
    Delta = 1,

    /// <summary>Everything of the receiver's incarnation <c>Incarnation</c> through <c>Seq</c> is merged and durable here.</summary>
    Ack = 2,

    /// <summary>The full-state fallback, by digests: the sender's hash of every key range (<c>Seq</c> 0: background anti-entropy, no acknowledgement).</summary>
    Digest = 3,

    /// <summary>The ranges that differed and the replier's states in them; the digest's sender answers with its own.</summary>
    StateRequest = 4,

    /// <summary>The sender's states of those ranges: once merged, what the digest covered is acknowledged (<c>Seq</c>).</summary>
    States = 5,
}
