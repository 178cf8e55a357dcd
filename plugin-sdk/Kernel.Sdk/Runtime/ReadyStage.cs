namespace Kernel.Sdk.Runtime;

/// <summary>
/// The points of <see cref="ReadyDriver"/>'s handling of one batch where it asks its handler whether to go on. A runtime
/// answers true; the simulator crashes a node at some of them (a crash after the writes and before the sync, while
/// sending, before advancing) and answers false, which ends the drain there.
/// </summary>
public enum ReadyStage
{
    /// <summary>Before asking the node whether it has a batch (the batch argument is null): false stops the drain.</summary>
    Next,

    /// <summary>A batch was taken from the node, nothing of it done yet.</summary>
    Received,

    /// <summary>A replica batch: before its first file write (index -1, after the last one: the count).</summary>
    WritesStarting,

    /// <summary>A replica batch: before file write number <c>index</c>.</summary>
    Writing,

    /// <summary>Everything is written, nothing synced: a crash here may lose or tear the writes.</summary>
    Written,

    /// <summary>What had to be synced is durable; no message has been sent.</summary>
    Synced,

    /// <summary>Before the first message (index -1).</summary>
    SendingStarting,

    /// <summary>Before message number <c>index</c>.</summary>
    Sending,

    /// <summary>Every message went out.</summary>
    Sent,

    /// <summary>The batch's snapshot, committed entries and reads (or a replica's responses) were handed over; the node is not advanced yet.</summary>
    Delivered,

    /// <summary>The node was advanced past the batch; the snapshot policy runs next.</summary>
    Advanced,
}
