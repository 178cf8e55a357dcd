using System.Buffers;

using Kernel.Storage.Codec;

namespace UltimateConsensus.Vr;

/// <summary>A replica's status (VRR §4): normal, view change, or recovering.</summary>
internal enum VrStatus : byte
{
    Normal = 0,
    ViewChange = 1,
    Recovering = 2,
}

/// <summary>
/// What a VR replica persists (and syncs) before it sends anything that depends on it: the view, the last view in which
/// it was normal, its status, the valid end of its log as (op-number, view of that entry) and its commit-number.
/// Encoding: version byte 1, then the fields as zigzag varints (<see cref="BinaryOut"/>).
/// </summary>
/// <remarks>
/// The log itself is in the WAL; <see cref="Op"/> marks where it ends, because a view change may cut the log back and
/// the WAL keeps the cut entries until a later append replaces them. <see cref="OpView"/> lets a restart check that the
/// WAL still holds the very entry the hard state was written after (log matching: same op and view, same prefix).
/// </remarks>
internal readonly record struct VrHardState(long View, long LastNormalView, VrStatus Status, long Op, long OpView, long Commit)
{
    private const byte Version = 1;

    public byte[] Encode()
    {
        var buffer = new ArrayBufferWriter<byte>(32);
        var w = new BinaryOut(buffer);
        w.Byte(Version);
        w.Varint(View);
        w.Varint(LastNormalView);
        w.Byte((byte)Status);
        w.Varint(Op);
        w.Varint(OpView);
        w.Varint(Commit);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s output; throws <see cref="FormatException"/> on anything else.</summary>
    public static VrHardState Decode(ReadOnlySpan<byte> data)
    {
        var r = new BinaryIn(data);
        var version = r.Byte();
        if (version != Version)
        {
            throw new FormatException($"VR hard state has version {version}; expected {Version}.");
        }

        var state = new VrHardState(r.Varint(), r.Varint(), (VrStatus)r.Byte(), r.Varint(), r.Varint(), r.Varint());
        r.End();
        if (state.View < 0 || state.LastNormalView < 0 || state.LastNormalView > state.View || state.Status > VrStatus.Recovering
            || state.Op < 0 || state.OpView < 0 || state.Commit < 0 || state.Commit > state.Op)
        {
            throw new FormatException($"VR hard state is inconsistent ({state}).");
        }

        return state;
    }
}
