using System.Buffers;

using Kernel.Storage.Codec;

namespace UltimateConsensus.MultiPaxos;

/// <summary>
/// What an acceptor must persist before answering: the ballot it promised and the commit index it knows. (Its accepted
/// values are its log entries, each with the ballot it accepted it in as the entry's term.) Encoding: version byte 1, then
/// promised and commit as zigzag varints (<see cref="BinaryOut"/>).
/// </summary>
internal readonly record struct PaxosHardState(long Promised, long Commit)
{
    private const byte Version = 1;

    public byte[] Encode()
    {
        var buffer = new ArrayBufferWriter<byte>(24);
        var w = new BinaryOut(buffer);
        w.Byte(Version);
        w.Varint(Promised);
        w.Varint(Commit);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; empty input is the initial state.</summary>
    public static PaxosHardState Decode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return default;
        }

        var r = new BinaryIn(data);
        var version = r.Byte();
        if (version != Version)
        {
            throw new FormatException($"Multi-Paxos hard state has version {version}; expected {Version}.");
        }

        var state = new PaxosHardState(r.Varint(), r.Varint());
        r.End();
        if (state.Promised < 0 || state.Commit < 0)
        {
            throw new FormatException($"Multi-Paxos hard state holds a negative ballot or commit ({state}).");
        }

        return state;
    }
}
