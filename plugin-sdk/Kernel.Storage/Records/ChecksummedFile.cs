using System.Buffers.Binary;

using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Storage.Codec;

namespace Kernel.Storage.Records;

/// <summary>
/// A whole file replaced atomically and checked on read, for snapshots and other state written in one piece:
/// <c>[magic: u32 LE][CRC-32C of the payload: u32 LE][payload]</c>, written with <see cref="IDurableDirectory.WriteAtomic(string, ReadOnlySpan{byte})"/>,
/// so after a crash the file holds either the old or the new content.
/// </summary>
public static class ChecksummedFile
{
    /// <summary>The bytes before the payload: magic and CRC.</summary>
    public const int HeaderBytes = 8;

    /// <summary>Replaces <paramref name="name"/> with <paramref name="payload"/> behind the magic and its CRC, atomically and durably.</summary>
    /// <param name="directory">Where the file is.</param>
    /// <param name="name">The file's name.</param>
    /// <param name="magic">Identifies the kind of file; <see cref="Read"/> checks it.</param>
    /// <param name="payload">The content.</param>
    public static void WriteAtomic(IDurableDirectory directory, string name, uint magic, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(directory);
        directory.WriteAtomic(name, Encode(magic, payload));
    }

    /// <summary>
    /// Replaces <paramref name="name"/> with the concatenation of <paramref name="payload"/> behind the magic and its CRC,
    /// atomically and durably, writing from the parts as they are (<see cref="IDurableDirectory.WriteAtomic(string, IReadOnlyList{ReadOnlyMemory{byte}})"/>):
    /// a payload of hundreds of MB is not copied once more.
    /// </summary>
    /// <param name="directory">Where the file is.</param>
    /// <param name="name">The file's name.</param>
    /// <param name="magic">Identifies the kind of file; <see cref="Read"/> checks it.</param>
    /// <param name="payload">The content, in parts.</param>
    public static void WriteAtomic(IDurableDirectory directory, string name, uint magic, IReadOnlyList<ReadOnlyMemory<byte>> payload)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(payload);
        var crc = 0u;
        foreach (var part in payload)
        {
            crc = Crc32C.Append(crc, part.Span);
        }

        var header = new byte[HeaderBytes];
        WriteHeader(header, magic, crc);
        var parts = new ReadOnlyMemory<byte>[payload.Count + 1];
        parts[0] = header;
        for (var i = 0; i < payload.Count; i++)
        {
            parts[i + 1] = payload[i];
        }

        directory.WriteAtomic(name, parts);
    }

    /// <summary>
    /// The file's bytes (magic, CRC, payload) without writing them: for a pure state machine that hands its runtime files to
    /// replace (a replica's <c>ReplicaReady.Writes</c>); <see cref="Read"/> checks them back.
    /// </summary>
    /// <param name="magic">Identifies the kind of file.</param>
    /// <param name="payload">The content.</param>
    public static byte[] Encode(uint magic, ReadOnlySpan<byte> payload)
    {
        var bytes = new byte[HeaderBytes + payload.Length];
        WriteHeader(bytes, magic, Crc32C.Compute(payload));
        payload.CopyTo(bytes.AsSpan(HeaderBytes));
        return bytes;
    }

    /// <summary>
    /// Reads a file written by <see cref="WriteAtomic(IDurableDirectory, string, uint, ReadOnlySpan{byte})"/>, checks its magic and CRC, and decodes the payload with
    /// <paramref name="decode"/>; a <see cref="FormatException"/> from it is reported as corruption.
    /// </summary>
    /// <typeparam name="T">What the payload decodes to.</typeparam>
    /// <param name="directory">Where the file is.</param>
    /// <param name="name">The file's name (it must exist).</param>
    /// <param name="magic">The magic it must start with.</param>
    /// <param name="description">What the file is called in error messages, e.g. "Snapshot file".</param>
    /// <param name="decode">Decodes the payload (valid during the call only).</param>
    /// <returns>The decoded payload.</returns>
    /// <exception cref="StorageCorruptedException">The file is too short, has another magic, fails its CRC or does not decode; the message names the file.</exception>
    public static T Read<T>(IDurableDirectory directory, string name, uint magic, string description, Func<ReadOnlySpan<byte>, T> decode)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(decode);
        var bytes = directory.ReadAll(name);
        var where = Path.Combine(directory.Location, name);
        if (bytes.Length < HeaderBytes || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != magic)
        {
            throw new StorageCorruptedException($"{description} '{where}' is corrupted at byte offset 0 (bad magic or too short).");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)) != Crc32C.Compute(bytes.AsSpan(HeaderBytes)))
        {
            throw new StorageCorruptedException($"{description} '{where}' is corrupted: CRC-32C mismatch over bytes {HeaderBytes}..{bytes.Length}.");
        }

        try
        {
            return decode(bytes.AsSpan(HeaderBytes));
        }
        catch (FormatException e)
        {
            throw new StorageCorruptedException($"{description} '{where}' is undecodable after byte offset {HeaderBytes}: {e.Message}");
        }
    }

    /// <summary>The file's first <see cref="HeaderBytes"/>: the magic, then the payload's CRC-32C, both little-endian.</summary>
    private static void WriteHeader(Span<byte> into, uint magic, uint crc)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(into, magic);
        BinaryPrimitives.WriteUInt32LittleEndian(into[4..], crc);
    }
}
