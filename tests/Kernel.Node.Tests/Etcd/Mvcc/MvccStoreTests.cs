using Google.Protobuf;

using Kernel.Node.Etcd.Mvcc;
using Kernel.Node.Etcd.Protos;

using static Kernel.Node.Tests.Etcd.Mvcc.StoreDriver;

namespace Kernel.Node.Tests.Etcd.Mvcc;

public sealed class MvccStoreTests
{
    [Fact]
    public void An_empty_store_is_at_revision_1_and_each_write_moves_it_on_by_one()
    {
        var s = new StoreDriver();
        Assert.Equal(1, s.Store.Revision);
        Assert.Equal(2, s.Put("a", "1").Header.Revision);
        Assert.Equal(3, s.Put("a", "2").Header.Revision);
        Assert.Equal(4, s.Put("b", "1").Header.Revision);
        Assert.Equal(4, s.Store.Revision);
        Assert.Equal(3, s.Store.AppliedIndex);
    }

    [Fact]
    public void A_key_keeps_its_create_revision_and_counts_versions_until_deleted()
    {
        var s = new StoreDriver();
        s.Put("a", "1");
        s.Put("a", "2");
        var kv = Assert.Single(s.Get("a").Kvs);
        Assert.Equal((2L, 3L, 2L, "2"), (kv.CreateRevision, kv.ModRevision, kv.Version, S(kv.Value)));

        Assert.Equal(1, s.Delete("a").Deleted);
        Assert.Empty(s.Get("a").Kvs);
        s.Put("a", "3");
        kv = Assert.Single(s.Get("a").Kvs);
        Assert.Equal((5L, 5L, 1L), (kv.CreateRevision, kv.ModRevision, kv.Version));
    }

    [Fact]
    public void Put_and_delete_return_the_previous_values_when_asked()
    {
        var s = new StoreDriver();
        Assert.Null(s.Put("a", "1", prevKv: true).PrevKv);
        Assert.Equal("1", S(s.Put("a", "2", prevKv: true).PrevKv.Value));
        Assert.Null(s.Put("a", "3").PrevKv);
        s.Put("ab", "x");
        var deleted = s.Delete("a", "b", prevKv: true);
        Assert.Equal(2, deleted.Deleted);
        Assert.Equal(["a", "ab"], deleted.PrevKvs.Select(kv => S(kv.Key)));
    }

    [Fact]
    public void A_delete_that_deletes_nothing_leaves_the_revision()
    {
        var s = new StoreDriver();
        s.Put("a", "1");
        Assert.Equal(0, s.Delete("zzz").Deleted);
        Assert.Equal(2, s.Store.Revision);
    }

    [Fact]
    public void Ranges_select_a_key_a_prefix_everything_from_a_key_or_everything()
    {
        var s = new StoreDriver();
        foreach (var key in new[] { "a", "ab", "abc", "b", "c" })
        {
            s.Put(key, key.ToUpperInvariant());
        }

        Assert.Equal(["ab"], Keys(s.Get("ab")));
        Assert.Equal(["ab", "abc"], Keys(s.Get("ab", "ac")));
        Assert.Equal(["b", "c"], Keys(s.Get("b", "\0")));
        Assert.Equal(["a", "ab", "abc", "b", "c"], Keys(s.Get("\0", "\0")));
        Assert.Empty(s.Get("d", "\0").Kvs);
    }

    [Fact]
    public void Limit_count_only_and_keys_only_shape_the_answer()
    {
        var s = new StoreDriver();
        foreach (var key in new[] { "k1", "k2", "k3" })
        {
            s.Put(key, "v");
        }

        var limited = s.Get("k", "l", limit: 2);
        Assert.Equal(["k1", "k2"], Keys(limited));
        Assert.True(limited.More);
        Assert.Equal(3, limited.Count);

        var counted = (RangeResponse)s.Range(new RangeRequest { Key = B("k"), RangeEnd = B("l"), CountOnly = true });
        Assert.Empty(counted.Kvs);
        Assert.Equal(3, counted.Count);

        var keysOnly = (RangeResponse)s.Range(new RangeRequest { Key = B("k"), RangeEnd = B("l"), KeysOnly = true });
        Assert.All(keysOnly.Kvs, kv => Assert.True(kv.Value.IsEmpty));
        Assert.Equal("v", S(s.Get("k1").Kvs[0].Value));
    }

    [Fact]
    public void Ranges_sort_by_any_target_either_way()
    {
        var s = new StoreDriver();
        s.Put("b", "1");
        s.Put("a", "2");
        s.Put("c", "0");
        var byValue = (RangeResponse)s.Range(new RangeRequest
        {
            Key = B("a"),
            RangeEnd = B("d"),
            SortTarget = RangeRequest.Types.SortTarget.Value,
            SortOrder = RangeRequest.Types.SortOrder.Descend,
        });
        Assert.Equal(["a", "b", "c"], Keys(byValue));
        var byKeyDescending = (RangeResponse)s.Range(new RangeRequest { Key = B("a"), RangeEnd = B("d"), SortOrder = RangeRequest.Types.SortOrder.Descend });
        Assert.Equal(["c", "b", "a"], Keys(byKeyDescending));
        var byModAscending = (RangeResponse)s.Range(new RangeRequest { Key = B("a"), RangeEnd = B("d"), SortTarget = RangeRequest.Types.SortTarget.Mod });
        Assert.Equal(["b", "a", "c"], Keys(byModAscending));
    }

    [Fact]
    public void Past_revisions_read_the_values_of_then_and_future_ones_are_refused()
    {
        var s = new StoreDriver();
        s.Put("a", "1");
        s.Put("a", "2");
        s.Delete("a");
        Assert.Equal("1", S(s.Get("a", revision: 2).Kvs[0].Value));
        Assert.Equal("2", S(s.Get("a", revision: 3).Kvs[0].Value));
        Assert.Empty(s.Get("a", revision: 4).Kvs);
        Assert.Equal(4, s.Get("a", revision: 2).Header.Revision);
        Assert.Same(EtcdError.FutureRevision, s.Range(new RangeRequest { Key = B("a"), Revision = 5 }));
    }

    [Fact]
    public void Compaction_drops_history_before_its_revision_and_keeps_the_values_at_it()
    {
        var s = new StoreDriver();
        s.Put("a", "1");  // 2
        s.Put("a", "2");  // 3
        s.Put("b", "1");  // 4
        s.Delete("b");    // 5
        s.Put("c", "1");  // 6
        Assert.IsType<CompactionResponse>(s.Compact(5));
        Assert.Equal(5, s.Store.CompactRevision);
        Assert.Same(EtcdError.Compacted, s.Range(new RangeRequest { Key = B("a"), Revision = 4 }));
        Assert.Equal("2", S(s.Get("a", revision: 5).Kvs[0].Value));
        Assert.Empty(s.Get("b", revision: 5).Kvs);
        Assert.Equal(["a", "c"], Keys(s.Get("\0", "\0")));
        Assert.Same(EtcdError.Compacted, s.Compact(5));
        Assert.Same(EtcdError.Compacted, s.Compact(3));
        Assert.Same(EtcdError.FutureRevision, s.Compact(7));
        Assert.Equal(6, s.Store.Revision);
    }

    [Theory]
    [InlineData("Value", "Equal", true)]
    [InlineData("Value", "NotEqual", false)]
    [InlineData("Version", "Equal", true)]
    [InlineData("Version", "Greater", false)]
    [InlineData("Create", "Equal", true)]
    [InlineData("Create", "Less", false)]
    [InlineData("Mod", "Equal", true)]
    [InlineData("Mod", "Greater", false)]
    [InlineData("Lease", "Equal", true)]
    [InlineData("Lease", "NotEqual", false)]
    public void Txn_compares_each_target_and_runs_the_branch_it_decides(string targetName, string resultName, bool succeeds)
    {
        var target = Enum.Parse<Compare.Types.CompareTarget>(targetName);
        var result = Enum.Parse<Compare.Types.CompareResult>(resultName);
        var s = new StoreDriver();
        var lease = s.Grant(60);
        s.Put("k", "v0", lease);   // 2
        s.Put("other", "x");       // 3
        s.Put("k", "v1", lease);   // 4: create 2, mod 4, version 2
        var compare = new Compare { Key = B("k"), Target = target, Result = result };
        switch (target)
        {
            case Compare.Types.CompareTarget.Value: compare.Value = B("v1"); break;
            case Compare.Types.CompareTarget.Version: compare.Version = 2; break;
            case Compare.Types.CompareTarget.Create: compare.CreateRevision = 2; break;
            case Compare.Types.CompareTarget.Mod: compare.ModRevision = 4; break;
            case Compare.Types.CompareTarget.Lease: compare.Lease = lease; break;
        }

        var txn = new TxnRequest { Compare = { compare } };
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = B("branch"), Value = B("success") } });
        txn.Failure.Add(new RequestOp { RequestPut = new PutRequest { Key = B("branch"), Value = B("failure") } });
        var response = s.Apply<TxnResponse>(new StoreCommand { Txn = txn });
        Assert.Equal(succeeds, response.Succeeded);
        Assert.Equal(succeeds ? "success" : "failure", S(s.Get("branch").Kvs[0].Value));
    }

    [Fact]
    public void A_txn_writes_at_one_revision_and_its_reads_see_its_earlier_writes()
    {
        var s = new StoreDriver();
        s.Put("a", "1");
        var txn = new TxnRequest
        {
            Success =
            {
                new RequestOp { RequestPut = new PutRequest { Key = B("x"), Value = B("1") } },
                new RequestOp { RequestPut = new PutRequest { Key = B("y"), Value = B("2") } },
                new RequestOp { RequestRange = new RangeRequest { Key = B("x"), RangeEnd = B("z") } },
                new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = B("a") } },
            },
        };
        var response = s.Apply<TxnResponse>(new StoreCommand { Txn = txn });
        Assert.True(response.Succeeded);
        Assert.Equal(3, response.Header.Revision);
        Assert.Equal(["x", "y"], Keys(response.Responses[2].ResponseRange));
        Assert.Equal(1, response.Responses[3].ResponseDeleteRange.Deleted);
        Assert.All(s.Get("x", "z").Kvs, kv => Assert.Equal(3, kv.ModRevision));
    }

    [Fact]
    public void A_missing_key_compares_as_version_zero_and_never_equal_in_value()
    {
        var s = new StoreDriver();
        var create = new TxnRequest
        {
            Compare = { new Compare { Key = B("lock"), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 0 } },
            Success = { new RequestOp { RequestPut = new PutRequest { Key = B("lock"), Value = B("me") } } },
        };
        Assert.True(s.Apply<TxnResponse>(new StoreCommand { Txn = create }).Succeeded);
        Assert.False(s.Apply<TxnResponse>(new StoreCommand { Txn = create }).Succeeded);
        var byValue = new TxnRequest { Compare = { new Compare { Key = B("none"), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.NotEqual, Value = B("x") } } };
        Assert.False(s.Apply<TxnResponse>(new StoreCommand { Txn = byValue }).Succeeded);
    }

    [Fact]
    public void A_txn_that_writes_a_key_twice_or_names_a_missing_lease_is_refused_whole()
    {
        var s = new StoreDriver();
        var twice = new TxnRequest
        {
            Success =
            {
                new RequestOp { RequestPut = new PutRequest { Key = B("a"), Value = B("1") } },
                new RequestOp { RequestPut = new PutRequest { Key = B("a"), Value = B("2") } },
            },
        };
        Assert.Same(EtcdError.DuplicateKey, s.Apply(new StoreCommand { Txn = twice }));
        var missingLease = new TxnRequest
        {
            Success =
            {
                new RequestOp { RequestPut = new PutRequest { Key = B("b"), Value = B("1") } },
                new RequestOp { RequestPut = new PutRequest { Key = B("c"), Value = B("1"), Lease = 42 } },
            },
        };
        Assert.Same(EtcdError.LeaseNotFound, s.Apply(new StoreCommand { Txn = missingLease }));
        Assert.Empty(s.Get("\0", "\0").Kvs);
        Assert.Equal(1, s.Store.Revision);
    }

    [Fact]
    public void A_txn_without_writes_is_served_as_a_read_and_leaves_the_store_as_it_was()
    {
        var s = new StoreDriver();
        s.Put("a", "1");
        var read = new TxnRequest
        {
            Compare = { new Compare { Key = B("a"), Target = Compare.Types.CompareTarget.Value, Value = B("1") } },
            Success = { new RequestOp { RequestRange = new RangeRequest { Key = B("a") } } },
        };
        Assert.True(MvccStore.IsReadOnly(read));
        var response = Assert.IsType<TxnResponse>(s.Store.ReadTxn(read));
        Assert.True(response.Succeeded);
        Assert.Equal("1", S(response.Responses[0].ResponseRange.Kvs[0].Value));
        Assert.Equal((2L, 1L), (s.Store.Revision, s.Store.AppliedIndex));

        var nestedWrite = new TxnRequest { Failure = { new RequestOp { RequestTxn = new TxnRequest { Success = { new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = B("a") } } } } } } };
        Assert.False(MvccStore.IsReadOnly(nestedWrite));
    }

    [Fact]
    public void A_nested_txn_decides_its_branch_before_the_outer_one_writes()
    {
        var s = new StoreDriver();
        var nested = new TxnRequest
        {
            Compare = { new Compare { Key = B("a"), Target = Compare.Types.CompareTarget.Version, Version = 0 } },
            Success = { new RequestOp { RequestPut = new PutRequest { Key = B("inner"), Value = B("saw-no-a") } } },
            Failure = { new RequestOp { RequestPut = new PutRequest { Key = B("inner"), Value = B("saw-a") } } },
        };
        var outer = new TxnRequest
        {
            Success =
            {
                new RequestOp { RequestPut = new PutRequest { Key = B("a"), Value = B("1") } },
                new RequestOp { RequestTxn = nested },
            },
        };
        var response = s.Apply<TxnResponse>(new StoreCommand { Txn = outer });
        Assert.True(response.Responses[1].ResponseTxn.Succeeded);
        Assert.Equal("saw-no-a", S(s.Get("inner").Kvs[0].Value));
    }

    [Fact]
    public void Keys_on_a_lease_go_when_it_is_revoked_at_one_revision()
    {
        var s = new StoreDriver();
        var lease = s.Grant(10);
        s.Put("x", "1", lease);
        s.Put("y", "1", lease);
        s.Put("z", "1");
        s.Put("y", "2"); // moves y off the lease
        Assert.Equal(["x"], s.Store.LeaseInfo(lease)!.Value.Keys.Select(S));
        var before = s.Store.Revision;
        Assert.IsType<LeaseRevokeResponse>(s.Revoke(lease));
        Assert.Equal(before + 1, s.Store.Revision);
        Assert.Equal(["y", "z"], Keys(s.Get("\0", "\0")));
        Assert.Null(s.Store.LeaseInfo(lease));
        Assert.Same(EtcdError.LeaseNotFound, s.Revoke(lease));
    }

    [Fact]
    public void Leases_are_checked_and_their_ids_follow_the_log()
    {
        var a = new StoreDriver();
        var b = new StoreDriver();
        Assert.Equal(a.Grant(10), b.Grant(10));
        Assert.Equal(7, a.Grant(10, id: 7));
        Assert.Same(EtcdError.LeaseExists, a.Apply(new StoreCommand { LeaseGrant = new LeaseGrantRequest { ID = 7, TTL = 5 } }));
        Assert.Same(EtcdError.LeaseTtlTooLarge, a.Apply(new StoreCommand { LeaseGrant = new LeaseGrantRequest { TTL = MvccStore.MaxLeaseTtl + 1 } }));
        Assert.Equal(MvccStore.MinLeaseTtl, a.Apply<LeaseGrantResponse>(new StoreCommand { LeaseGrant = new LeaseGrantRequest { TTL = 1 } }).TTL);
        Assert.Same(EtcdError.LeaseNotFound, a.Apply(new StoreCommand { Put = new PutRequest { Key = B("k"), Lease = 99 } }));
        Assert.Same(EtcdError.LeaseNotFound, a.Apply(new StoreCommand { LeaseRenew = new LeaseKeepAliveRequest { ID = 99 } }));
        Assert.Equal(10, a.Apply<LeaseKeepAliveResponse>(new StoreCommand { LeaseRenew = new LeaseKeepAliveRequest { ID = 7 } }).TTL);
    }

    [Fact]
    public void An_empty_key_and_bytes_that_are_no_command_are_refused()
    {
        var s = new StoreDriver();
        Assert.Same(EtcdError.EmptyKey, s.Apply(new StoreCommand { Put = new PutRequest { Value = B("v") } }));
        Assert.Same(EtcdError.UnknownCommand, s.Store.Apply(1, new byte[] { 0xFF, 0xFF, 0xFF }));
        Assert.Same(EtcdError.UnknownCommand, s.Apply(new StoreCommand()));
    }

    private static List<string> Keys(RangeResponse response) => response.Kvs.Select(kv => S(kv.Key)).ToList();
}
