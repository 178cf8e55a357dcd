using Google.Protobuf;

using Kernel.Node.Etcd.Mvcc;
using Kernel.Node.Etcd.Protos;

namespace Kernel.Node.Tests.Etcd.Mvcc;

/// <summary>Applies commands to a store at increasing log indexes, as a member's loop would.</summary>
internal sealed class StoreDriver(MvccStore store)
{
    private long _index;

    public MvccStore Store { get; } = store;

    public StoreDriver()
        : this(new MvccStore())
    {
    }

    public object? Apply(StoreCommand command) => Store.Apply(++_index, command.ToByteArray());

    public T Apply<T>(StoreCommand command)
        where T : class
    {
        var result = Apply(command);
        return result as T ?? throw new Xunit.Sdk.XunitException($"Expected a {typeof(T).Name}, got {result}");
    }

    public PutResponse Put(string key, string value, long lease = 0, bool prevKv = false) =>
        Apply<PutResponse>(new StoreCommand { Put = new PutRequest { Key = B(key), Value = B(value), Lease = lease, PrevKv = prevKv } });

    public DeleteRangeResponse Delete(string key, string? rangeEnd = null, bool prevKv = false) =>
        Apply<DeleteRangeResponse>(new StoreCommand { DeleteRange = new DeleteRangeRequest { Key = B(key), RangeEnd = rangeEnd is null ? ByteString.Empty : B(rangeEnd), PrevKv = prevKv } });

    public RangeResponse Get(string key, string? rangeEnd = null, long revision = 0, long limit = 0) =>
        (RangeResponse)Store.Range(new RangeRequest { Key = B(key), RangeEnd = rangeEnd is null ? ByteString.Empty : B(rangeEnd), Revision = revision, Limit = limit });

    public object Range(RangeRequest request) => Store.Range(request);

    public long Grant(long ttl, long id = 0) =>
        Apply<LeaseGrantResponse>(new StoreCommand { LeaseGrant = new LeaseGrantRequest { TTL = ttl, ID = id } }).ID;

    public object? Revoke(long id) => Apply(new StoreCommand { LeaseRevoke = new LeaseRevokeRequest { ID = id } });

    public object? Compact(long revision) => Apply(new StoreCommand { Compact = new CompactionRequest { Revision = revision } });

    public static ByteString B(string text) => ByteString.CopyFromUtf8(text);

    public static string S(ByteString bytes) => bytes.ToStringUtf8();
}
