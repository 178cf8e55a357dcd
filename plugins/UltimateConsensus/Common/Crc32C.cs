using System.Buffers.Binary;
using System.Numerics;

namespace UltimateConsensus.Common;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF), the checksum of the
/// write-ahead log and the snapshot file. System.IO.Hashing 10.0 only ships <c>Crc32</c> (the IEEE polynomial), so
/// this uses <see cref="BitOperations.Crc32C(uint, ulong)"/>, which runs on the SSE4.2/ARMv8 CRC instructions and
/// falls back to a table in software. Check value: CRC-32C("123456789") = 0xE3069283.
/// </summary>
internal static class Crc32C
{
    /// <summary>Computes the CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a CRC-32C computed over earlier bytes (pass 0 to start).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var state = ~crc;
        while (data.Length >= 8)
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            state = BitOperations.Crc32C(state, b);
        }

        return ~state;
    }
}
