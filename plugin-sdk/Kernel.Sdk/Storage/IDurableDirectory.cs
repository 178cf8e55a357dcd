namespace Kernel.Sdk.Storage;

/// <summary>
/// A flat directory of files with explicit durability, the only way a strategy's storage touches a disk.
/// The real one is <see cref="FileSystemDirectory"/>; the simulator's disk implements it too, losing or tearing
/// unsynced writes when a node crashes, so a strategy's storage code is tested against the faults it must survive.
/// </summary>
public interface IDurableDirectory
{
    /// <summary>A name for messages (a path for real directories).</summary>
    string Location { get; }

    /// <summary>The names of the files in the directory, sorted ordinally.</summary>
    IReadOnlyList<string> List();

    /// <summary>True if the file exists.</summary>
    bool Exists(string name);

    /// <summary>Reads a whole file.</summary>
    byte[] ReadAll(string name);

    /// <summary>Opens a file for appending, creating it (durably, once synced) when missing.</summary>
    IDurableFile OpenAppend(string name);

    /// <summary>
    /// Replaces a file's content atomically and durably: writes a temporary file, syncs it, renames it over
    /// <paramref name="name"/> and syncs the directory. After a crash the file holds either the old or the new content.
    /// </summary>
    void WriteAtomic(string name, ReadOnlySpan<byte> content);

    /// <summary>
    /// Replaces a file's content atomically and durably, as <see cref="WriteAtomic(string, ReadOnlySpan{byte})"/>, with the
    /// concatenation of <paramref name="parts"/>: a large file (a snapshot of hundreds of MB) is written from the buffers
    /// that hold it, without one more copy of all of it. The default joins the parts and writes them in one piece.
    /// </summary>
    void WriteAtomic(string name, IReadOnlyList<ReadOnlyMemory<byte>> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var length = 0L;
        foreach (var part in parts)
        {
            length += part.Length;
        }

        var content = new byte[checked((int)length)];
        var at = 0;
        foreach (var part in parts)
        {
            part.Span.CopyTo(content.AsSpan(at));
            at += part.Length;
        }

        WriteAtomic(name, content);
    }

    /// <summary>Deletes a file if it exists (durable once the directory is synced by a later atomic write or <see cref="SyncDirectory"/>).</summary>
    void Delete(string name);

    /// <summary>Cuts a file to <paramref name="length"/> bytes and syncs it (used to drop a torn tail).</summary>
    void Truncate(string name, long length);

    /// <summary>Makes creations, renames and deletions in the directory durable.</summary>
    void SyncDirectory();
}

/// <summary>A file open for appending.</summary>
public interface IDurableFile : IDisposable
{
    /// <summary>The file's length including unsynced bytes.</summary>
    long Length { get; }

    /// <summary>Appends bytes (buffered until <see cref="Sync"/>).</summary>
    void Append(ReadOnlySpan<byte> data);

    /// <summary>Makes every appended byte durable (fsync).</summary>
    void Sync();
}
