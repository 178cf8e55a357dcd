using System.Buffers;
using System.IO.Hashing;
using Kernel.Storage.Codec;
using UltimateReplication.Shared;

namespace UltimateReplication.Delta;

/// <summary>
/// Block deltas in the manner of rsync: the base is cut into blocks of a fixed size, each known by a weak rolling
/// checksum and a strong hash (XxHash64); the target is scanned with a window rolled a byte at a time, and wherever the
/// window's weak checksum and then its strong hash match a base block, a copy of that block is written instead of its
/// bytes. What matches nothing travels as literal bytes. The delta is a list of operations: copy <c>count</c> base blocks
/// from block <c>first</c>, or insert literal bytes; the receiver checks the result against the target's hash.
/// </summary>
internal static class BlockDelta
{
    private const byte CopyOp = 0;
    private const byte LiteralOp = 1;
    private const int MaxOps = 1 << 24;

    /// <summary>The delta that makes <paramref name="target"/> from <paramref name="baseValue"/>, encoded.</summary>
    public static byte[] Compute(ReadOnlySpan<byte> baseValue, ReadOnlySpan<byte> target, int blockBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockBytes, 1);
        var blocks = new Dictionary<uint, List<int>>();
        var count = baseValue.Length / blockBytes;
        var strong = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            var block = baseValue.Slice(i * blockBytes, blockBytes);
            strong[i] = XxHash64.HashToUInt64(block);
            var weak = Weak(block, out _, out _);
            if (!blocks.TryGetValue(weak, out var list))
            {
                blocks[weak] = list = [];
            }

            list.Add(i);
        }

        var ops = new List<(int First, int Count, int LiteralStart, int LiteralLength)>();
        var literalStart = 0;
        var pos = 0;
        uint a = 0, b = 0;
        var windowValid = false;
        while (count > 0 && pos + blockBytes <= target.Length)
        {
            if (!windowValid)
            {
                Weak(target.Slice(pos, blockBytes), out a, out b);
                windowValid = true;
            }

            var match = -1;
            if (blocks.TryGetValue((b << 16) | a, out var candidates))
            {
                var hash = XxHash64.HashToUInt64(target.Slice(pos, blockBytes));
                foreach (var i in candidates)
                {
                    if (strong[i] == hash)
                    {
                        match = i;
                        break;
                    }
                }
            }

            if (match >= 0)
            {
                if (pos > literalStart)
                {
                    ops.Add((-1, 0, literalStart, pos - literalStart));
                }

                if (ops.Count > 0 && ops[^1].First >= 0 && ops[^1].First + ops[^1].Count == match)
                {
                    ops[^1] = (ops[^1].First, ops[^1].Count + 1, 0, 0);
                }
                else
                {
                    ops.Add((match, 1, 0, 0));
                }

                pos += blockBytes;
                literalStart = pos;
                windowValid = false;
                continue;
            }

            // Roll the window one byte: out goes target[pos], in comes target[pos + blockBytes].
            if (pos + blockBytes < target.Length)
            {
                uint outByte = target[pos], inByte = target[pos + blockBytes];
                a = (a - outByte + inByte) & 0xFFFF;
                b = (b - ((uint)blockBytes * outByte) + a) & 0xFFFF;
            }

            pos++;
        }

        if (target.Length > literalStart)
        {
            ops.Add((-1, 0, literalStart, target.Length - literalStart));
        }

        var buffer = new ArrayBufferWriter<byte>();
        var w = new BinaryOut(buffer);
        w.UVarint((ulong)blockBytes);
        w.UVarint((ulong)ops.Count);
        foreach (var op in ops)
        {
            if (op.First >= 0)
            {
                w.Byte(CopyOp);
                w.UVarint((ulong)op.First);
                w.UVarint((ulong)op.Count);
            }
            else
            {
                w.Byte(LiteralOp);
                w.Bytes(target.Slice(op.LiteralStart, op.LiteralLength));
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Applies an encoded delta to <paramref name="baseValue"/>; null when it does not fit the base (a block beyond it, malformed).</summary>
    public static byte[]? Apply(ReadOnlySpan<byte> baseValue, ReadOnlySpan<byte> delta)
    {
        try
        {
            var r = new BinaryIn(delta);
            var blockBytes = r.UVarint();
            var n = r.UVarint();
            if (blockBytes is 0 or > int.MaxValue || n > MaxOps)
            {
                return null;
            }

            var output = new ArrayBufferWriter<byte>();
            for (ulong i = 0; i < n; i++)
            {
                switch (r.Byte())
                {
                    case CopyOp:
                        var first = r.UVarint();
                        var blocks = r.UVarint();
                        var start = first * blockBytes;
                        var length = blocks * blockBytes;
                        if (first > int.MaxValue || blocks > int.MaxValue || start + length > (ulong)baseValue.Length)
                        {
                            return null;
                        }

                        output.Write(baseValue.Slice((int)start, (int)length));
                        break;
                    case LiteralOp:
                        output.Write(r.BytesSpan());
                        break;
                    default:
                        return null;
                }
            }

            r.End();
            return output.WrittenSpan.ToArray();
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The hash a receiver checks the delta's result against.</summary>
    public static ulong Hash(ReadOnlySpan<byte> value) => XxHash64.HashToUInt64(value);

    /// <summary>rsync's weak checksum of a block: <c>a</c> the sum of its bytes, <c>b</c> the sum of the running sums, each mod 2^16.</summary>
    private static uint Weak(ReadOnlySpan<byte> block, out uint a, out uint b)
    {
        a = 0;
        b = 0;
        for (var i = 0; i < block.Length; i++)
        {
            a += block[i];
            b += (uint)(block.Length - i) * block[i];
        }

        a &= 0xFFFF;
        b &= 0xFFFF;
        return (b << 16) | a;
    }
}
