using Kernel.Node.Runtime;

namespace Kernel.Node.Tests.Etcd;

/// <summary>
/// A test-only member client over one state machine: a proposal applies at once (the next log index), a read runs under
/// the same lock, and the status is a one-member cluster this member leads (unless a test says there is no leader).
/// </summary>
internal sealed class SingleMemberNodeClient(IReplicatedStateMachine stateMachine) : INodeClient
{
    public const ulong ClusterId = 0x5EED_C1A5_7E4D;
    public const ulong MemberId = 0x10_0001;

    private readonly Lock _lock = new();
    private long _index;

    /// <summary>Whether a leader is known (false: proposals and linearizable reads are refused with NoLeader).</summary>
    public bool HasLeader { get; set; } = true;

    /// <summary>When set, proposals are taken and then fail with this unknown outcome (a leader change, a timeout).</summary>
    public string? UnknownOutcome { get; set; }

    /// <summary>The client URL the member list shows.</summary>
    public string ClientUrl { get; set; } = "http://127.0.0.1:2379";

    /// <summary>How many proposals were applied.</summary>
    public long Proposals => Interlocked.Read(ref _index);

    public Task<object?> ProposeAsync(ReadOnlyMemory<byte> command, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!HasLeader)
        {
            throw new ProposalRejectedException(RejectionReason.NoLeader, "no leader");
        }

        if (UnknownOutcome is { } outcome)
        {
            throw new ProposalOutcomeUnknownException(outcome);
        }

        lock (_lock)
        {
            _index++;
            return Task.FromResult(stateMachine.Apply(_index, command));
        }
    }

    public Task<T> ReadAsync<T>(Func<T> read, bool linearizable, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (linearizable && !HasLeader)
        {
            throw new ProposalRejectedException(RejectionReason.NoLeader, "no leader");
        }

        lock (_lock)
        {
            return Task.FromResult(read());
        }
    }

    public NodeStatus Status
    {
        get
        {
            lock (_lock)
            {
                return new NodeStatus(
                    ClusterId,
                    MemberId,
                    HasLeader ? MemberId : 0,
                    Term: 3,
                    CommitIndex: _index,
                    AppliedIndex: stateMachine.AppliedIndex,
                    [new MemberInfo(MemberId, "member-1", ["http://127.0.0.1:2380"], [ClientUrl], IsLearner: false)]);
            }
        }
    }
}
