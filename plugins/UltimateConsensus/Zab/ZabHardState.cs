using System.Buffers.Binary;

namespace UltimateConsensus.Zab;

/// <summary>
/// What a ZAB node must persist before answering: the epoch it last accepted in discovery (acceptedEpoch, the paper's
/// f.p), the epoch of the last NEWLEADER it acknowledged (currentEpoch, f.a), and its commit index.
/// Encoding: version byte 1, acceptedEpoch, currentEpoch, commit (int64 LE each): 25 bytes.
/// </summary>
internal readonly record struct ZabHardState(long AcceptedEpoch, long CurrentEpoch, long Commit)
{
    private const byte Version = 1;
    private const int EncodedLength = 25;

    public byte[] Encode()
    {
        var buffer = new byte[EncodedLength];
        buffer[0] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(1), AcceptedEpoch);
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(9), CurrentEpoch);
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(17), Commit);
        return buffer;
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; empty input is the initial state.</summary>
    public static ZabHardState Decode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return default;
        }

        if (data.Length != EncodedLength || data[0] != Version)
        {
            throw new FormatException($"ZAB hard state has {data.Length} bytes and version {data[0]}; expected {EncodedLength} bytes, version {Version}.");
        }

        var state = new ZabHardState(
            BinaryPrimitives.ReadInt64LittleEndian(data[1..]),
            BinaryPrimitives.ReadInt64LittleEndian(data[9..]),
            BinaryPrimitives.ReadInt64LittleEndian(data[17..]));
        if (state.AcceptedEpoch < 0 || state.CurrentEpoch < 0 || state.CurrentEpoch > state.AcceptedEpoch || state.Commit < 0)
        {
            throw new FormatException($"ZAB hard state is inconsistent ({state}): epochs and commit must be non-negative and currentEpoch at most acceptedEpoch.");
        }

        return state;
    }
}
