using System.Buffers.Binary;

using Kernel.Sdk.Cluster;

namespace Kernel.Storage.Tests.Consensus;

/// <summary>
/// A hard state for the WAL tests, which the WAL stores as opaque bytes: term, vote and commit in the 21-byte encoding of
/// UltimateConsensus's Raft hard state (version byte 1, then int64, int32, int64 little-endian), so records and the
/// seeded tears of the crash tests have the sizes they have under Raft.
/// </summary>
internal readonly record struct HardState(long Term, NodeId Vote, long Commit)
{
    private const int EncodedLength = 21;

    public byte[] Encode()
    {
        var buffer = new byte[EncodedLength];
        buffer[0] = 1;
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(1), Term);
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(9), Vote.Value);
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(13), Commit);
        return buffer;
    }

    public static HardState Decode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return default;
        }

        Assert.Equal(EncodedLength, data.Length);
        return new HardState(
            BinaryPrimitives.ReadInt64LittleEndian(data[1..]),
            new NodeId(BinaryPrimitives.ReadInt32LittleEndian(data[9..])),
            BinaryPrimitives.ReadInt64LittleEndian(data[13..]));
    }
}
