using Kernel.Sdk.Cluster;
using UltimateReplication.Shared;

namespace UltimateReplication.Async;

/// <summary>The kinds of <see cref="AsyncMessage"/>.</summary>
internal enum AsyncMessageType : byte
{
    /// <summary>Backup to primary: a client's write, to apply (<c>Op</c> is the backup's id for it).</summary>
    Forward = 1,

    /// <summary>Primary to backup: the response to a forwarded write, once it is durable on the primary.</summary>
    Reply = 2,

    /// <summary>Primary to backup: entries in sequence order from <c>Seq</c> + 1 (none: a probe asking where the backup is).</summary>
    Ship = 3,

    /// <summary>Primary to backup: every key changed since what the backup acknowledged, as of sequence <c>Seq</c>.</summary>
    CatchUp = 4,

    /// <summary>Backup to primary: everything up to <c>Seq</c> is durable here.</summary>
    Ack = 5,
}

/// <summary>Every message of <c>replication/async</c> in one record: which fields matter depends on <see cref="Type"/>.</summary>
internal sealed record AsyncMessage(AsyncMessageType Type, NodeId From, NodeId To) : IProtocolMessage
{
    public long Op { get; init; }

    public long Seq { get; init; }

    public string Key { get; init; } = string.Empty;

    /// <summary>A forwarded command's flags: bit 0 read-only, bit 1 overwrites.</summary>
    public byte Flags { get; init; }

    /// <summary>A forwarded command's bytes, or a reply's response.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    public IReadOnlyList<KeyValuePair<string, Cell>> Cells { get; init; } = [];

    public override string ToString() => $"{Type} {From}->{To} op {Op} seq {Seq} cells={Cells.Count}";
}
