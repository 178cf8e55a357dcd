namespace Kernel.Node.Etcd.Protos;

/// <summary>An etcd response message: it carries a <see cref="ResponseHeader"/> (the generated property).</summary>
internal interface IHasHeader
{
    /// <summary>The response header.</summary>
    ResponseHeader Header { get; set; }
}

// The generated responses that carry a header (the property is generated; these add the interface only).
internal sealed partial class RangeResponse : IHasHeader;

internal sealed partial class PutResponse : IHasHeader;

internal sealed partial class DeleteRangeResponse : IHasHeader;

internal sealed partial class TxnResponse : IHasHeader;

internal sealed partial class CompactionResponse : IHasHeader;

internal sealed partial class LeaseGrantResponse : IHasHeader;

internal sealed partial class LeaseRevokeResponse : IHasHeader;

internal sealed partial class LeaseKeepAliveResponse : IHasHeader;
