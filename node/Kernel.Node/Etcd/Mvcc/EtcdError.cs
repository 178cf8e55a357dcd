using Grpc.Core;

namespace Kernel.Node.Etcd.Mvcc;

/// <summary>
/// A request the store (or the API) refused, with etcd's gRPC status code and message (clients branch on both). The store
/// returns one from <see cref="MvccStore.Apply"/> instead of a response; the services throw it as an
/// <c>RpcException</c> (<see cref="Api.EtcdException"/>).
/// </summary>
internal sealed record EtcdError(StatusCode Code, string Message)
{
    public static readonly EtcdError Compacted = new(StatusCode.OutOfRange, "etcdserver: mvcc: required revision has been compacted");
    public static readonly EtcdError FutureRevision = new(StatusCode.OutOfRange, "etcdserver: mvcc: required revision is a future revision");
    public static readonly EtcdError LeaseNotFound = new(StatusCode.NotFound, "etcdserver: requested lease not found");
    public static readonly EtcdError LeaseExists = new(StatusCode.FailedPrecondition, "etcdserver: lease already exists");
    public static readonly EtcdError LeaseTtlTooLarge = new(StatusCode.OutOfRange, "etcdserver: too large lease TTL");
    public static readonly EtcdError KeyNotFound = new(StatusCode.InvalidArgument, "etcdserver: key not found");
    public static readonly EtcdError EmptyKey = new(StatusCode.InvalidArgument, "etcdserver: key is not provided");
    public static readonly EtcdError DuplicateKey = new(StatusCode.InvalidArgument, "etcdserver: duplicate key given in txn request");
    public static readonly EtcdError NoLeader = new(StatusCode.Unavailable, "etcdserver: no leader");
    public static readonly EtcdError TooManyRequests = new(StatusCode.ResourceExhausted, "etcdserver: too many requests");
    public static readonly EtcdError Stopped = new(StatusCode.Unavailable, "etcdserver: server stopped");
    public static readonly EtcdError LeaderChanged = new(StatusCode.Unavailable, "etcdserver: leader changed");
    public static readonly EtcdError TimedOut = new(StatusCode.Unavailable, "etcdserver: request timed out");
    public static readonly EtcdError NoSpace = new(StatusCode.ResourceExhausted, "etcdserver: mvcc: database space exceeded");
    public static readonly EtcdError UnknownCommand = new(StatusCode.Internal, "etcdserver: unknown command in the log");
}
