using Grpc.Core;

using Kernel.Node.Etcd.Mvcc;

namespace Kernel.Node.Etcd.Api;

/// <summary>An etcd error raised by <see cref="EtcdApi"/>: an <see cref="RpcException"/> with etcd's code and message.</summary>
internal sealed class EtcdException(EtcdError error) : RpcException(new Status(error.Code, error.Message), error.Message)
{
    /// <summary>The error.</summary>
    public EtcdError Error { get; } = error;
}
