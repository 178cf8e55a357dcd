using Kernel.Sdk.Conflict;
using Kernel.Sdk.Replication;

namespace Kernel.Node.Runtime;

/// <summary>What a member's client API sees of a member that runs a replication strategy's replica.</summary>
internal interface IReplicaClient
{
    /// <summary>The strategy as <c>replication/NAME</c>, for messages.</summary>
    string StrategyKey { get; }

    /// <summary>What the strategy promises its clients.</summary>
    ReplicationGuarantee Guarantee { get; }

    /// <summary>
    /// Hands a command to the member's replica and completes with its response once the replica answered (after what it
    /// wrote is durable). Fails with <see cref="ReplicaRefusedException"/> when the replica refused it (nothing happened),
    /// with <see cref="ProposalRejectedException"/> when the member cannot take it (stopping, too many in flight), and with
    /// <see cref="ProposalOutcomeUnknownException"/> when no answer came within the request timeout (it may have happened).
    /// </summary>
    Task<ReadOnlyMemory<byte>> SubmitAsync(ReplicaCommand command, CancellationToken cancellationToken);

    /// <summary>Runs a function of the replica's present contents on the member's loop (this replica only, nothing replicated).</summary>
    Task<T> ReadContentsAsync<T>(Func<IReadOnlyDictionary<string, IReadOnlyList<VersionedValue>>, T> read, CancellationToken cancellationToken);

    /// <summary>The member's status (no leader, no term: a replica group has neither).</summary>
    NodeStatus Status { get; }
}

/// <summary>A command the replica refused (<see cref="SubmitResult.Reason"/>): it did not happen.</summary>
internal sealed class ReplicaRefusedException(string reason) : Exception(reason)
{
    /// <summary>Why, as the strategy said it.</summary>
    public string Reason { get; } = reason;
}
