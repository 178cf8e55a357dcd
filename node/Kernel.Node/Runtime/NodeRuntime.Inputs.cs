using Kernel.Sdk.Cluster;

namespace Kernel.Node.Runtime;

/// <summary>What the member's loop is handed, and the requests it holds.</summary>
internal sealed partial class NodeRuntime
{
    private enum InputKind : byte
    {
        Tick,
        Message,
        Propose,
        Forwarded,
        ForwardDone,
        Read,
        SnapshotEncoded,
        SnapshotWritten,
        ReplicaRequest, // ReplicaQuorum strategies: NodeRuntime.Quorum.cs
        ReplicaReply,
        Stop,
    }

    private readonly record struct Input(InputKind Kind, object? Payload)
    {
        public static Input Tick => new(InputKind.Tick, null);

        public static Input Stop => new(InputKind.Stop, null);
    }

    /// <summary>A proposal (or a read barrier) of this member's, from its admission until it is applied or failed.</summary>
    private sealed class Pending(long id, byte[] envelope, PendingRead? read)
    {
        public long Id { get; } = id;

        public byte[] Envelope { get; } = envelope;

        /// <summary>The read to run once the barrier is applied; null for a command.</summary>
        public PendingRead? Read { get; } = read;

        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Index { get; set; }

        public long Term { get; set; }

        public NodeId ForwardedTo { get; set; }

        /// <summary>Counted out of the in-flight bound already.</summary>
        public bool Finished { get; set; }
    }

    /// <summary>A proposal a follower forwarded to this member.</summary>
    private sealed class Forwarded(ReadOnlyMemory<byte> envelope)
    {
        public ReadOnlyMemory<byte> Envelope { get; } = envelope;

        public TaskCompletionSource<ForwardOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The leader's answer to a forward (or why there is none), handed back to the loop.</summary>
    private sealed record ForwardReply(Pending Pending, ForwardOutcome Outcome, Exception? Error);

    /// <summary>A read waiting to run on the loop.</summary>
    private abstract class PendingRead(bool linearizable)
    {
        public bool Linearizable { get; } = linearizable;

        /// <summary>When a read waiting for its read index gives up (a <see cref="TimeProvider"/> timestamp).</summary>
        public long Deadline { get; set; }

        public abstract bool IsCompleted { get; }

        public abstract void Run();

        public abstract void Fail(Exception error);
    }

    private sealed class PendingRead<T>(Func<T> read, bool linearizable) : PendingRead(linearizable)
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _done.Task;

        public override bool IsCompleted => _done.Task.IsCompleted;

        public override void Run()
        {
            if (_done.Task.IsCompleted)
            {
                return;
            }

            try
            {
                _done.TrySetResult(read());
            }
            catch (Exception ex)
            {
                _done.TrySetException(ex);
            }
        }

        public override void Fail(Exception error) => _done.TrySetException(error);

        public void Cancel() => _done.TrySetCanceled();
    }
}
