using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

using Google.Protobuf;

using Kernel.Node.Etcd.Leases;
using Kernel.Node.Etcd.Mvcc;
using Kernel.Node.Etcd.Protos;

using Microsoft.Extensions.Time.Testing;

using static Kernel.Node.Tests.Etcd.Mvcc.StoreDriver;

namespace Kernel.Node.Tests.Etcd.Mvcc;

public sealed class SnapshotTests
{
    private static readonly string[] KeyNames = ["a", "ab", "b", "c/1", "c/2"];

    [Property(MaxTest = 200)]
    public Property Restoring_a_snapshot_gives_a_store_whose_snapshot_has_equal_bytes()
    {
        return Prop.ForAll(Commands().ToArbitrary(), commands =>
        {
            var original = Run(commands);
            var bytes = original.Store.Snapshot().ToArray();
            var restored = new MvccStore();
            restored.Restore(bytes);
            return bytes.AsSpan().SequenceEqual(restored.Snapshot().Span)
                && restored.Revision == original.Store.Revision
                && restored.AppliedIndex == original.Store.AppliedIndex
                && Dump(restored) == Dump(original.Store);
        });
    }

    [Property(MaxTest = 100)]
    public Property The_same_commands_give_the_same_snapshot_and_responses()
    {
        return Prop.ForAll(Commands().ToArbitrary(), commands =>
        {
            var a = new StoreDriver();
            var b = new StoreDriver();
            var responses = commands.All(c => Equals(a.Apply(c), b.Apply(c)));
            return responses && a.Store.Snapshot().Span.SequenceEqual(b.Store.Snapshot().Span);
        });
    }

    [Fact]
    public void A_restored_store_keeps_leases_with_their_keys_and_tells_the_lease_clock()
    {
        var s = new StoreDriver();
        var lease = s.Grant(30);
        s.Put("x", "1", lease);
        s.Put("y", "1");
        s.Compact(3);
        var time = new FakeTimeProvider();
        var clock = new LeaseClock(time);
        var restored = new MvccStore(clock);
        restored.Restore(s.Store.Snapshot().Span);
        Assert.Equal(["x"], restored.LeaseInfo(lease)!.Value.Keys.Select(S));
        Assert.Equal(3, restored.CompactRevision);
        Assert.Equal(30, clock.RemainingSeconds(lease));
        var driver = new StoreDriver(restored);
        Assert.IsType<LeaseRevokeResponse>(driver.Revoke(lease));
        Assert.Empty(driver.Get("x").Kvs);
    }

    [Fact]
    public void Restoring_nothing_empties_the_store_and_bad_bytes_are_refused()
    {
        var s = new StoreDriver();
        s.Put("a", "1");
        s.Store.Restore([]);
        Assert.Equal(1, s.Store.Revision);
        Assert.Equal(0, s.Store.AppliedIndex);
        Assert.Empty(s.Get("a").Kvs);
        Assert.Throws<FormatException>(() => s.Store.Restore([9, 1, 2]));
        var truncated = new StoreDriver();
        truncated.Put("a", "1");
        var bytes = truncated.Store.Snapshot().ToArray();
        Assert.Throws<FormatException>(() => s.Store.Restore(bytes.AsSpan(0, bytes.Length - 1)));
        Assert.Equal(1, s.Store.Revision);

        // Version 1, applied 0, revision 1, compacted 0, no keys, two leases both numbered 1 (zigzag varints).
        Assert.Contains("Lease 1 is repeated", Assert.Throws<FormatException>(() => s.Store.Restore([1, 0, 2, 0, 0, 2, 2, 20, 2, 20])).Message, StringComparison.Ordinal);
    }

    private static StoreDriver Run(IEnumerable<StoreCommand> commands)
    {
        var driver = new StoreDriver();
        foreach (var command in commands)
        {
            driver.Apply(command);
        }

        return driver;
    }

    private static string Dump(MvccStore store)
    {
        var all = (RangeResponse)store.Range(new RangeRequest { Key = B("\0"), RangeEnd = B("\0") });
        return string.Join(";", all.Kvs.Select(kv => kv.ToString())) + "|" + string.Join(",", store.LeaseIds());
    }

    private static Gen<StoreCommand[]> Commands()
    {
        var key = Gen.Elements(KeyNames).Select(ByteString.CopyFromUtf8);
        var value = Gen.Elements("", "v1", "v2", "long value").Select(ByteString.CopyFromUtf8);
        var lease = Gen.Elements(0L, 0L, 0L, 1L, 2L);
        var put = from k in key
                  from v in value
                  from l in lease
                  select new StoreCommand { Put = new PutRequest { Key = k, Value = v, Lease = l } };
        var delete = Gen.Zip(key, Gen.Elements(true, false)).Select(t => new StoreCommand
        {
            DeleteRange = new DeleteRangeRequest { Key = t.Item1, RangeEnd = t.Item2 ? B("\0") : ByteString.Empty },
        });
        var grant = Gen.Elements(1L, 2L).Select(id => new StoreCommand { LeaseGrant = new LeaseGrantRequest { ID = id, TTL = 10 } });
        var revoke = Gen.Elements(1L, 2L).Select(id => new StoreCommand { LeaseRevoke = new LeaseRevokeRequest { ID = id } });
        var compact = Gen.Choose(1, 12).Select(r => new StoreCommand { Compact = new CompactionRequest { Revision = r } });
        var txn = Gen.Zip(key, value).Select(t => new StoreCommand
        {
            Txn = new TxnRequest
            {
                Compare = { new Compare { Key = t.Item1, Target = Compare.Types.CompareTarget.Value, Value = t.Item2 } },
                Success = { new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = t.Item1 } } },
                Failure = { new RequestOp { RequestPut = new PutRequest { Key = t.Item1, Value = t.Item2 } } },
            },
        });
        return Gen.Frequency((6, put), (2, delete), (1, grant), (1, revoke), (1, compact), (2, txn)).ArrayOf();
    }
}
