namespace Kernel.Node.Runtime;

/// <summary>Why a member did not take a proposal or a read.</summary>
internal enum RejectionReason
{
    /// <summary>No leader is known (an election is going on, or no quorum is reachable).</summary>
    NoLeader,

    /// <summary>Too many proposals are in flight: backpressure, retry later.</summary>
    TooManyRequests,

    /// <summary>The member is stopping.</summary>
    Stopped,

    /// <summary>The member's disk is full: it takes no writes until there is room (etcd's NOSPACE).</summary>
    NoSpace,
}

/// <summary>A proposal or read a member did not take; nothing was applied.</summary>
internal sealed class ProposalRejectedException(RejectionReason reason, string message) : Exception(message)
{
    /// <summary>Why.</summary>
    public RejectionReason Reason { get; } = reason;
}
