using Kernel.Node.Etcd.Mvcc;
using Kernel.Node.Etcd.Protos;

using static Kernel.Node.Tests.Etcd.Mvcc.StoreDriver;

namespace Kernel.Node.Tests.Etcd.Mvcc;

public sealed class WatchTests
{
    [Fact]
    public void A_watch_replays_history_from_its_start_revision_then_gets_live_events_without_gap_or_repeat()
    {
        var s = new StoreDriver();
        s.Put("k/a", "1");       // 2
        s.Put("other", "x");     // 3
        s.Put("k/b", "1");       // 4
        s.Put("k/a", "2");       // 5
        var start = s.Store.StartWatch(KeyRange.Of(B("k/"), B("k0")), startRevision: 3, capacity: 16);
        Assert.NotNull(start.Watcher);
        Assert.Equal([(4L, "k/b"), (5L, "k/a")], start.Replay.Select(e => (e.Kv.ModRevision, S(e.Kv.Key))));
        Assert.Equal("1", S(start.Replay[1].PrevKv.Value));

        s.Delete("k/", "k0");    // 6: both keys, one revision
        s.Put("other", "y");     // 7: not watched
        s.Put("k/c", "1");       // 8
        Assert.True(start.Watcher.Events.TryRead(out var deletes));
        Assert.Equal([Event.Types.EventType.Delete, Event.Types.EventType.Delete], deletes.Select(e => e.Type));
        Assert.All(deletes, e => Assert.Equal(6, e.Kv.ModRevision));
        Assert.True(start.Watcher.Events.TryRead(out var put));
        Assert.Equal(8, Assert.Single(put).Kv.ModRevision);
        Assert.False(start.Watcher.Events.TryRead(out _));
    }

    [Fact]
    public void A_watch_from_now_replays_nothing()
    {
        var s = new StoreDriver();
        s.Put("a", "1");
        var start = s.Store.StartWatch(KeyRange.Of(B("a"), B("")), startRevision: 0, capacity: 4);
        Assert.Empty(start.Replay);
        s.Put("a", "2");
        Assert.True(start.Watcher!.Events.TryRead(out var batch));
        Assert.Equal("2", S(Assert.Single(batch).Kv.Value));
    }

    [Fact]
    public void A_watch_from_a_compacted_revision_gets_the_compaction_revision_and_no_watcher()
    {
        var s = new StoreDriver();
        s.Put("a", "1");
        s.Put("a", "2");
        s.Put("a", "3");
        s.Compact(3);
        var start = s.Store.StartWatch(KeyRange.Of(B("a"), B("")), startRevision: 2, capacity: 4);
        Assert.Null(start.Watcher);
        Assert.Equal(3, start.CompactRevision);
        Assert.Equal(0, s.Store.Watchers.Count);
        var atCompaction = s.Store.StartWatch(KeyRange.Of(B("a"), B("")), startRevision: 3, capacity: 4);
        Assert.Equal([3L, 4L], atCompaction.Replay.Select(e => e.Kv.ModRevision));
    }

    [Fact]
    public void A_watcher_that_does_not_keep_up_is_cancelled_with_a_reason_and_never_holds_up_apply()
    {
        var s = new StoreDriver();
        var slow = s.Store.StartWatch(KeyRange.Of(B("a"), B("")), startRevision: 0, capacity: 2).Watcher!;
        var fast = s.Store.StartWatch(KeyRange.Of(B("a"), B("")), startRevision: 0, capacity: 2).Watcher!;
        for (var i = 0; i < 10; i++)
        {
            s.Put("a", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            while (fast.Events.TryRead(out _))
            {
            }
        }

        Assert.Equal(11, s.Store.Revision);
        Assert.Equal(Watcher.SlowReason, slow.CancelReason);
        Assert.Equal(2, slow.Events.Count);
        Assert.Null(fast.CancelReason);
        Assert.Equal(1, s.Store.Watchers.Count);
    }

    [Fact]
    public void Restoring_a_snapshot_cancels_the_watchers()
    {
        var s = new StoreDriver();
        s.Put("a", "1");
        var snapshot = s.Store.Snapshot().ToArray();
        var watcher = s.Store.StartWatch(KeyRange.Of(B("a"), B("")), startRevision: 0, capacity: 2).Watcher!;
        s.Store.Restore(snapshot);
        Assert.Equal(Watcher.RestoredReason, watcher.CancelReason);
        Assert.Equal(0, s.Store.Watchers.Count);
    }
}
