using Kernel.Node.Etcd.Protos;

namespace Kernel.Node.Etcd.Mvcc;

/// <summary>
/// The store's live watchers. The store publishes each applied revision's events here from its loop; the watch streams
/// add and remove watchers from theirs (hence the lock, held only to copy or edit the list, never while a client waits).
/// </summary>
internal sealed class WatchHub
{
    private readonly Lock _lock = new();
    private readonly List<Watcher> _watchers = [];

    /// <summary>The number of live watchers.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _watchers.Count;
            }
        }
    }

    public void Add(Watcher watcher)
    {
        lock (_lock)
        {
            _watchers.Add(watcher);
        }
    }

    /// <summary>Removes a watcher the client cancelled (or whose stream ended).</summary>
    public void Remove(Watcher watcher)
    {
        lock (_lock)
        {
            _watchers.Remove(watcher);
        }

        watcher.Complete(reason: null);
    }

    /// <summary>Hands each watcher the events of one revision in its range; cancels those that cannot take them now.</summary>
    public void Publish(IReadOnlyList<Event> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            if (_watchers.Count == 0)
            {
                return;
            }

            var keys = events.Select(e => KeyRange.ToKey(e.Kv.Key)).ToArray();
            for (var i = _watchers.Count - 1; i >= 0; i--)
            {
                var watcher = _watchers[i];
                List<Event>? mine = null;
                for (var e = 0; e < keys.Length; e++)
                {
                    if (watcher.Range.Contains(keys[e]))
                    {
                        (mine ??= []).Add(events[e]);
                    }
                }

                if (mine is not null && !watcher.TryOffer(mine))
                {
                    _watchers.RemoveAt(i);
                    watcher.Complete(Watcher.SlowReason);
                }
            }
        }
    }

    /// <summary>Cancels every watcher (the store's state was replaced, so their positions mean nothing now).</summary>
    public void CancelAll(string reason)
    {
        lock (_lock)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Complete(reason);
            }

            _watchers.Clear();
        }
    }
}
