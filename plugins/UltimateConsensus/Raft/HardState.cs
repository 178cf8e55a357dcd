using System.Buffers.Binary;

using Kernel.Sdk.Cluster;

namespace UltimateConsensus.Raft;

/// <summary>
/// What Raft must persist before answering: current term, vote in that term, commit index.
/// Encoding: version byte 1, term (int64 LE), vote (int32 LE), commit (int64 LE): 21 bytes.
/// </summary>
internal readonly record struct HardState(long Term, NodeId Vote, long Commit)
{
    private const byte Version = 1;
    private const int EncodedLength = 21;

    public byte[] Encode()
    {
        var buffer = new byte[EncodedLength];
        buffer[0] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(1), Term);
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(9), Vote.Value);
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(13), Commit);
        return buffer;
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; empty input is the initial state.</summary>
    public static HardState Decode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return default;
        }

        if (data.Length != EncodedLength || data[0] != Version)
        {
            throw new FormatException($"Raft hard state has {data.Length} bytes and version {data[0]}; expected {EncodedLength} bytes, version {Version}.");
        }

        var state = new HardState(
            BinaryPrimitives.ReadInt64LittleEndian(data[1..]),
            new NodeId(BinaryPrimitives.ReadInt32LittleEndian(data[9..])),
            BinaryPrimitives.ReadInt64LittleEndian(data[13..]));
        if (state.Term < 0 || state.Commit < 0)
        {
            throw new FormatException($"Raft hard state holds a negative term or commit ({state}).");
        }

        return state;
    }
}
