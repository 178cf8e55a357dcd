using System.Buffers.Binary;
using System.Numerics;

namespace Kernel.Storage.Codec;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF), the checksum of the record log,
/// the write-ahead log and checksummed files. System.IO.Hashing 10.0 only ships <c>Crc32</c> (the IEEE polynomial; its
/// CRC-32C parameter set comes with 11.0), so this uses <see cref="BitOperations.Crc32C(uint, ulong)"/>, which runs on
/// the SSE4.2/ARMv8 CRC instructions and falls back to a table in software. Check value: CRC-32C("123456789") = 0xE3069283.
/// </summary>
public static class Crc32C
{
    /// <summary>Computes the CRC-32C of <paramref name="data"/>.</summary>
    /// <param name="data">The bytes to checksum.</param>
    /// <returns>The CRC-32C of the bytes (0 for none).</returns>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>Continues a CRC-32C computed over earlier bytes: <c>Append(Compute(a), b) == Compute(a + b)</c>.</summary>
    /// <param name="crc">The CRC-32C of the earlier bytes (0 to start).</param>
    /// <param name="data">The bytes that follow them.</param>
    /// <returns>The CRC-32C of the earlier bytes followed by <paramref name="data"/>.</returns>
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
