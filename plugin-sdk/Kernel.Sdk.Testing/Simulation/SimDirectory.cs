using Kernel.Sdk.Storage;

namespace Kernel.Sdk.Testing.Simulation;

/// <summary>What a simulated crash does to data that was written but not made durable.</summary>
public enum DiskCrashMode
{
    /// <summary>A process crash: the operating system keeps every written byte, synced or not.</summary>
    KeepUnsynced,

    /// <summary>A power loss: unsynced bytes and file creations or deletions not yet made durable are lost.</summary>
    LoseUnsynced,

    /// <summary>
    /// A power loss with torn writes: of each file's unsynced bytes a random-length prefix may survive, its last bytes
    /// possibly garbage; files whose creation was not yet durable may vanish and undurable deletions may be undone.
    /// </summary>
    Tear,
}

/// <summary>
/// An in-memory <see cref="IDurableDirectory"/> that tracks what is durable, so a crash (<see cref="Crash"/>) loses or
/// tears exactly what a real disk could lose. Synced bytes always survive and <see cref="WriteAtomic"/> is atomic.
/// Use it to test a strategy's storage code against torn tails; the simulator gives each node one.
/// </summary>
public sealed class SimDirectory : IDurableDirectory
{
    private readonly SortedDictionary<string, SimFile> _files = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, SimFile> _undurableDeletes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _readErrors = new(StringComparer.Ordinal);
    private long _generation;

    /// <summary>Creates an empty directory.</summary>
    public SimDirectory(string location = "sim")
    {
        Location = location;
    }

    /// <inheritdoc />
    public string Location { get; }

    /// <summary>Bytes appended or written so far.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>File and directory syncs so far (each would be an fsync on a real disk).</summary>
    public long Syncs { get; private set; }

    /// <summary>Crashes so far.</summary>
    public int Crashes { get; private set; }

    /// <inheritdoc />
    public IReadOnlyList<string> List() => [.. _files.Keys];

    /// <inheritdoc />
    public bool Exists(string name) => _files.ContainsKey(name);

    /// <summary>Reads that failed on an injected latent sector error (<see cref="InjectReadError"/>) since the last <see cref="RepairReadErrors"/>.</summary>
    public int ReadErrorsHit { get; private set; }

    /// <summary>The files that fail to read now (<see cref="InjectReadError"/>), in name order.</summary>
    public IReadOnlyList<string> UnreadableFiles => [.. _readErrors.Order(StringComparer.Ordinal)];

    /// <inheritdoc />
    public byte[] ReadAll(string name)
    {
        if (!_files.TryGetValue(name, out var file))
        {
            throw new FileNotFoundException($"{Location}/{name} does not exist.", name);
        }

        if (_readErrors.Contains(name))
        {
            ReadErrorsHit++;
            throw new IOException($"{Location}/{name}: read failed (latent sector error)");
        }

        return file.ReadAll();
    }

    /// <summary>
    /// A latent sector error: reading <paramref name="name"/> fails with an <see cref="IOException"/> until the file is
    /// rewritten, truncated or deleted (or <see cref="RepairReadErrors"/>). Appending to it still works.
    /// </summary>
    public void InjectReadError(string name)
    {
        if (!_files.ContainsKey(name))
        {
            throw new FileNotFoundException($"{Location}/{name} does not exist.", name);
        }

        _readErrors.Add(name);
    }

    /// <summary>Repairs every injected read error (the sectors are remapped).</summary>
    public void RepairReadErrors()
    {
        _readErrors.Clear();
        ReadErrorsHit = 0;
    }

    /// <inheritdoc />
    public IDurableFile OpenAppend(string name)
    {
        ValidateName(name);
        if (!_files.TryGetValue(name, out var file))
        {
            file = new SimFile { CreationDurable = false };
            _files[name] = file;
            _undurableDeletes.Remove(name);
        }

        return new Handle(this, file, _generation);
    }

    /// <inheritdoc />
    public void WriteAtomic(string name, ReadOnlySpan<byte> content)
    {
        ValidateName(name);
        _readErrors.Remove(name);
        var file = new SimFile { CreationDurable = true };
        file.Write(content);
        file.Synced = file.Length;
        _files[name] = file;
        BytesWritten += content.Length;
        SyncDirectory();
        Syncs++;
    }

    /// <inheritdoc />
    public void Delete(string name)
    {
        _readErrors.Remove(name);
        if (_files.Remove(name, out var file) && file.CreationDurable)
        {
            _undurableDeletes[name] = file;
        }
    }

    /// <inheritdoc />
    public void Truncate(string name, long length)
    {
        if (!_files.TryGetValue(name, out var file))
        {
            throw new FileNotFoundException($"{Location}/{name} does not exist.", name);
        }

        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _readErrors.Remove(name);
        if (length < file.Length)
        {
            file.Length = length;
        }

        file.Synced = file.Length;
        Syncs++;
    }

    /// <inheritdoc />
    public void SyncDirectory()
    {
        foreach (var file in _files.Values)
        {
            file.CreationDurable = true;
        }

        _undurableDeletes.Clear();
        Syncs++;
    }

    /// <summary>
    /// Simulates a crash: handles opened before it stop working and what was not durable is kept, lost or torn
    /// according to <paramref name="mode"/>; <paramref name="seed"/> drives the random choices of <see cref="DiskCrashMode.Tear"/>.
    /// </summary>
    public void Crash(DiskCrashMode mode, ulong seed = 0) => Crash(mode, new SimRandom(seed));

    internal void Crash(DiskCrashMode mode, SimRandom random)
    {
        _generation++;
        Crashes++;
        if (mode == DiskCrashMode.KeepUnsynced)
        {
            return;
        }

        var tear = mode == DiskCrashMode.Tear;
        foreach (var name in _files.Keys.ToArray())
        {
            var file = _files[name];
            if (!file.CreationDurable && (!tear || random.Chance(0.5)))
            {
                _files.Remove(name);
                continue;
            }

            var unsynced = file.Length - file.Synced;
            if (unsynced <= 0)
            {
                file.CreationDurable = true;
                continue;
            }

            long kept = 0;
            if (tear)
            {
                var r = random.NextDouble();
                if (r >= 0.35)
                {
                    kept = random.NextInt64(0, unsynced + 1);
                }

                if (kept > 0 && r >= 0.75)
                {
                    var garbage = (int)Math.Min(kept, random.Next(1, 9));
                    for (var i = 0; i < garbage; i++)
                    {
                        file.Set(file.Synced + kept - 1 - i, (byte)random.NextUInt64());
                    }
                }
            }

            file.Length = file.Synced + kept;
            file.Synced = file.Length;
            file.CreationDurable = true;
        }

        foreach (var (name, file) in _undurableDeletes)
        {
            if (!_files.ContainsKey(name) && (!tear || random.Chance(0.5)))
            {
                file.Length = file.Synced;
                _files[name] = file;
            }
        }

        _undurableDeletes.Clear();
    }

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/') || name.Contains('\\'))
        {
            throw new ArgumentException($"'{name}' is not a plain file name.", nameof(name));
        }
    }

    /// <summary>A file's bytes in 64 KiB chunks, so a growing log never reallocates into the large object heap.</summary>
    private sealed class SimFile
    {
        private const int ChunkBits = 16;
        private const int ChunkSize = 1 << ChunkBits;
        private readonly List<byte[]> _chunks = [];
        public long Length;
        public long Synced;
        public bool CreationDurable;

        public void Write(ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                var chunk = (int)(Length >> ChunkBits);
                var offset = (int)(Length & (ChunkSize - 1));
                if (chunk == _chunks.Count)
                {
                    _chunks.Add(new byte[ChunkSize]);
                }

                var n = Math.Min(bytes.Length, ChunkSize - offset);
                bytes[..n].CopyTo(_chunks[chunk].AsSpan(offset));
                bytes = bytes[n..];
                Length += n;
            }
        }

        public byte[] ReadAll()
        {
            var result = new byte[checked((int)Length)];
            for (long done = 0; done < Length;)
            {
                var n = (int)Math.Min(ChunkSize, Length - done);
                _chunks[(int)(done >> ChunkBits)].AsSpan(0, n).CopyTo(result.AsSpan((int)done));
                done += n;
            }

            return result;
        }

        public void Set(long position, byte value) => _chunks[(int)(position >> ChunkBits)][position & (ChunkSize - 1)] = value;
    }

    private sealed class Handle(SimDirectory owner, SimFile file, long generation) : IDurableFile
    {
        private bool _disposed;

        public long Length
        {
            get
            {
                Check();
                return file.Length;
            }
        }

        public void Append(ReadOnlySpan<byte> data)
        {
            Check();
            file.Write(data);
            owner.BytesWritten += data.Length;
        }

        public void Sync()
        {
            Check();
            // An fsync of a file makes its bytes durable, not its name: a file created since the directory was last synced
            // can still vanish in a crash (as on Linux file systems), so storage must sync the directory after creating one.
            file.Synced = file.Length;
            owner.Syncs++;
        }

        public void Dispose() => _disposed = true;

        private void Check()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (generation != owner._generation)
            {
                throw new InvalidOperationException($"A file handle of {owner.Location} opened before a crash was used after it.");
            }
        }
    }
}
