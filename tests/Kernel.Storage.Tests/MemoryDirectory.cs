using Kernel.Sdk.Storage;

namespace Kernel.Storage.Tests;

/// <summary>
/// An in-memory <see cref="IDurableDirectory"/> for tests: appended bytes survive <see cref="Crash"/> only once synced;
/// a crash may keep a torn prefix of the unsynced bytes, optionally ending in garbage. Files created and not yet made
/// durable by a directory sync disappear on crash.
/// </summary>
internal sealed class MemoryDirectory : IDurableDirectory
{
    private readonly Dictionary<string, MemoryFile> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _durableNames = new(StringComparer.Ordinal);

    public string Location => "mem:";

    public IReadOnlyList<string> List() => _files.Keys.Order(StringComparer.Ordinal).ToArray();

    public bool Exists(string name) => _files.ContainsKey(name);

    public byte[] ReadAll(string name) => _files.TryGetValue(name, out var f) ? [.. f.Data] : throw new FileNotFoundException(name);

    public IDurableFile OpenAppend(string name)
    {
        if (!_files.TryGetValue(name, out var file))
        {
            file = new MemoryFile();
            _files[name] = file;
        }

        return new Handle(file);
    }

    public void WriteAtomic(string name, ReadOnlySpan<byte> content)
    {
        var file = new MemoryFile();
        file.Data.AddRange(content.ToArray());
        file.Synced = file.Data.Count;
        _files[name] = file;
        _durableNames.Add(name);
    }

    public void Delete(string name)
    {
        _files.Remove(name);
        _durableNames.Remove(name);
    }

    /// <summary>How many torn tails the log cut off.</summary>
    public int Truncations { get; private set; }

    public void Truncate(string name, long length)
    {
        Truncations++;
        var file = _files[name];
        file.Data.RemoveRange((int)length, file.Data.Count - (int)length);
        file.Synced = Math.Min(file.Synced, file.Data.Count);
    }

    public void SyncDirectory()
    {
        foreach (var name in _files.Keys)
        {
            _durableNames.Add(name);
        }
    }

    /// <summary>Raw access for tests that damage files.</summary>
    public List<byte> Bytes(string name) => _files[name].Data;

    /// <summary>
    /// Loses what was not synced. With a <paramref name="random"/>, keeps a random prefix of each file's unsynced bytes
    /// and may overwrite its last bytes with garbage: a torn write.
    /// </summary>
    public void Crash(Random? random = null)
    {
        foreach (var name in _files.Keys.ToArray())
        {
            if (!_durableNames.Contains(name))
            {
                _files.Remove(name);
                continue;
            }

            var file = _files[name];
            var unsynced = file.Data.Count - file.Synced;
            var keep = random is null || unsynced == 0 ? 0 : random.Next(unsynced + 1);
            file.Data.RemoveRange(file.Synced + keep, unsynced - keep);
            if (random is not null && keep > 0 && random.Next(2) == 0)
            {
                var garbage = Math.Min(keep, 1 + random.Next(8));
                for (var i = file.Data.Count - garbage; i < file.Data.Count; i++)
                {
                    file.Data[i] = (byte)random.Next(256);
                }
            }
        }
    }

    private sealed class MemoryFile
    {
        public List<byte> Data { get; } = [];

        public int Synced { get; set; }
    }

    private sealed class Handle(MemoryFile file) : IDurableFile
    {
        public long Length => file.Data.Count;

        public void Append(ReadOnlySpan<byte> data) => file.Data.AddRange(data.ToArray());

        public void Sync() => file.Synced = file.Data.Count;

        public void Dispose()
        {
        }
    }
}
