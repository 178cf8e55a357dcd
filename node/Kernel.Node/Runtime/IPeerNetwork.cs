using Kernel.Sdk.Cluster;

namespace Kernel.Node.Runtime;

/// <summary>The runtime's view of the peer transport: send messages, forward proposals to the leader.</summary>
internal interface IPeerNetwork
{
    /// <summary>
    /// Sends a consensus message to its <see cref="IProtocolMessage.To"/>, without blocking (called on the member's loop):
    /// encoded at once, queued to the peer's stream, dropped when the peer is unreachable (the protocol retransmits).
    /// </summary>
    void Send(IProtocolMessage message);

    /// <summary>Hands a proposal envelope to the leader; completes when the leader took it (or did not).</summary>
    /// <exception cref="ProposalOutcomeUnknownException">The stream broke or timed out after the envelope went out.</exception>
    Task<ForwardOutcome> ForwardAsync(NodeId leader, ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken);
}

/// <summary>What the runtime does with what peers send: consensus messages and proposals forwarded to it.</summary>
internal interface IPeerInbox
{
    /// <summary>Queues a message (its sender already checked against the authenticated peer) to the member's loop.</summary>
    ValueTask DeliverAsync(IProtocolMessage message, CancellationToken cancellationToken);

    /// <summary>Proposes an envelope a follower forwarded; completes when this member took it as leader (or did not).</summary>
    Task<ForwardOutcome> AcceptForwardedAsync(ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken);
}

/// <summary>Whether a leader took a forwarded proposal.</summary>
/// <param name="Rejection">Null when taken; otherwise why not (nothing was appended).</param>
/// <param name="Index">The log index it was appended at, when taken.</param>
/// <param name="Term">The term it was appended in, when taken.</param>
/// <param name="Reason">A message, when not taken.</param>
internal readonly record struct ForwardOutcome(RejectionReason? Rejection, long Index, long Term, string? Reason)
{
    /// <summary>Taken at (index, term).</summary>
    public static ForwardOutcome Taken(long index, long term) => new(null, index, term, null);

    /// <summary>Not taken.</summary>
    public static ForwardOutcome Rejected(RejectionReason reason, string message) => new(reason, 0, 0, message);
}
