namespace Kernel.Node.Runtime;

/// <summary>What a member's client API (the etcd services) sees of the member: propose, read, status.</summary>
internal interface INodeClient
{
    /// <summary>
    /// Proposes a command and completes with the state machine's response once this member has applied it. A follower
    /// forwards the proposal to the leader. Fails with <see cref="ProposalRejectedException"/> when it cannot be taken
    /// now (no leader, too many in flight, stopping): then it was not applied; a cancellation or a timeout after it was
    /// taken leaves the outcome unknown.
    /// </summary>
    Task<object?> ProposeAsync(ReadOnlyMemory<byte> command, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a read on the member's loop, where nothing applies concurrently. When <paramref name="linearizable"/>, the
    /// read waits until this member has applied everything committed when the call was made (ReadIndex through the
    /// leader); otherwise it reads the local state at once (etcd's serializable read).
    /// </summary>
    Task<T> ReadAsync<T>(Func<T> read, bool linearizable, CancellationToken cancellationToken);

    /// <summary>The member's status now.</summary>
    NodeStatus Status { get; }
}
