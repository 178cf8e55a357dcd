using System.Threading.Channels;

using Kernel.Node.Etcd.Protos;

namespace Kernel.Node.Etcd.Mvcc;

/// <summary>
/// One watch on a key range: the events the store applies after it was registered, one batch per applied revision, in a
/// bounded channel. Apply never waits on it: when the channel is full the watcher is cancelled with
/// <see cref="CancelReason"/> and its channel completed, so a slow client costs a bounded buffer, never a stalled store.
/// </summary>
internal sealed class Watcher
{
    public const string SlowReason = "etcdserver: watcher is too slow to keep up and was cancelled (re-watch from the last revision received)";
    public const string RestoredReason = "etcdserver: the member's store was replaced by a snapshot (re-watch from the last revision received)";

    private readonly Channel<IReadOnlyList<Event>> _events;

    public Watcher(KeyRange range, int capacity)
    {
        Range = range;
        _events = Channel.CreateBounded<IReadOnlyList<Event>>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The keys watched.</summary>
    public KeyRange Range { get; }

    /// <summary>Why the store cancelled the watcher (null while it runs or when the client cancelled it).</summary>
    public string? CancelReason { get; private set; }

    /// <summary>Batches of events, one per revision, until cancelled.</summary>
    public ChannelReader<IReadOnlyList<Event>> Events => _events.Reader;

    /// <summary>Offers a batch without waiting; false when the channel is full.</summary>
    internal bool TryOffer(IReadOnlyList<Event> batch) => _events.Writer.TryWrite(batch);

    /// <summary>Ends the watcher (with a reason when the store ends it).</summary>
    internal void Complete(string? reason)
    {
        CancelReason ??= reason;
        _events.Writer.TryComplete();
    }
}
