using System.Runtime.InteropServices;

namespace Kernel.Sdk.Storage;

/// <summary>An <see cref="IDurableDirectory"/> on the real file system, with fsync of files and of the directory.</summary>
public sealed class FileSystemDirectory : IDurableDirectory
{
    private readonly string _path;

    /// <summary>Opens a directory, creating it when missing.</summary>
    public FileSystemDirectory(string path)
    {
        _path = Path.GetFullPath(path);
        Directory.CreateDirectory(_path);
    }

    /// <inheritdoc />
    public string Location => _path;

    /// <inheritdoc />
    public IReadOnlyList<string> List() =>
        Directory.EnumerateFiles(_path).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();

    /// <inheritdoc />
    public bool Exists(string name) => File.Exists(PathOf(name));

    /// <inheritdoc />
    public byte[] ReadAll(string name) => File.ReadAllBytes(PathOf(name));

    /// <inheritdoc />
    public IDurableFile OpenAppend(string name)
    {
        var path = PathOf(name);
        var created = !File.Exists(path);
        var file = new RealFile(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.None));
        if (created)
        {
            SyncDirectory();
        }

        return file;
    }

    /// <inheritdoc />
    public void WriteAtomic(string name, ReadOnlySpan<byte> content)
    {
        using (var stream = CreateTemporary(name))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        ReplaceWithTemporary(name);
    }

    /// <inheritdoc />
    public void WriteAtomic(string name, IReadOnlyList<ReadOnlyMemory<byte>> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        using (var stream = CreateTemporary(name))
        {
            foreach (var part in parts)
            {
                stream.Write(part.Span);
            }

            stream.Flush(flushToDisk: true);
        }

        ReplaceWithTemporary(name);
    }

    private FileStream CreateTemporary(string name) =>
        new(PathOf(name) + ".tmp", FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);

    private void ReplaceWithTemporary(string name)
    {
        var path = PathOf(name);
        File.Move(path + ".tmp", path, overwrite: true);
        SyncDirectory();
    }

    /// <inheritdoc />
    public void Delete(string name) => File.Delete(PathOf(name));

    /// <inheritdoc />
    public void Truncate(string name, long length)
    {
        using var stream = new FileStream(PathOf(name), FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        stream.SetLength(length);
        stream.Flush(flushToDisk: true);
    }

    /// <inheritdoc />
    public void SyncDirectory()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // Windows makes renames durable with the file's own flush.
        }

        var fd = Posix.open(_path, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory '{_path}' to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Posix.fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory '{_path}' failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Posix.close(fd);
        }
    }

    private string PathOf(string name)
    {
        if (name.Length == 0 || name.IndexOfAny(['/', '\\']) >= 0 || name is "." or "..")
        {
            throw new ArgumentException($"'{name}' is not a plain file name.", nameof(name));
        }

        return Path.Combine(_path, name);
    }

    private sealed class RealFile(FileStream stream) : IDurableFile
    {
        public long Length => stream.Length;

        public void Append(ReadOnlySpan<byte> data) => stream.Write(data);

        public void Sync() => stream.Flush(flushToDisk: true);

        public void Dispose() => stream.Dispose();
    }

    private static class Posix
    {
#pragma warning disable SA1300, IDE1006 // libc names
        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
        public static extern int open(string path, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
#pragma warning restore SA1300, IDE1006
    }
}
