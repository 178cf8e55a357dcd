using System.Buffers;
using System.Buffers.Binary;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;

namespace Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;

/// <summary>A tiny CRC-32 (IEEE), enough for a toy WAL.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = Build();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] Build()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}

/// <summary>
/// The toy's storage: a write-ahead log file of CRC-checked records (hard state, entries) and an atomically replaced
/// snapshot file. On open it replays the log and cuts off a torn tail (the first record that is short or fails its CRC).
/// </summary>
internal sealed class ToyWal : IConsensusStorage
{
    private const string LogFile = "wal";
    private const string SnapshotFile = "snap";
    private const byte HardStateRecord = 1;
    private const byte EntryRecord = 2;
    private readonly IDurableDirectory _dir;
    private readonly List<LogEntry> _entries = [];
    private readonly ArrayBufferWriter<byte> _payload = new(256);
    private readonly ArrayBufferWriter<byte> _batch = new(1024);
    private IDurableFile _log;
    private byte[] _hardState = [];
    private Snapshot? _snapshot;

    public ToyWal(IDurableDirectory dir)
    {
        _dir = dir;
        if (dir.Exists(SnapshotFile))
        {
            var bytes = dir.ReadAll(SnapshotFile);
            if (bytes.Length < 8 || Crc32.Compute(bytes.AsSpan(8)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)))
            {
                throw new StorageCorruptedException($"{dir.Location}/{SnapshotFile} fails its checksum");
            }

            _snapshot = ToyCodec.ReadSnapshot(bytes.AsSpan(8));
        }

        if (dir.Exists(LogFile))
        {
            var bytes = dir.ReadAll(LogFile);
            var offset = 0;
            while (bytes.Length - offset >= 8)
            {
                var len = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
                if (len < 1 || len > bytes.Length - offset - 8)
                {
                    break;
                }

                var payload = bytes.AsSpan(offset + 8, len);
                if (Crc32.Compute(payload) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4)))
                {
                    break;
                }

                Replay(payload);
                offset += 8 + len;
            }

            if (offset < bytes.Length)
            {
                dir.Truncate(LogFile, offset);
            }
        }

        var created = !dir.Exists(LogFile);
        _log = dir.OpenAppend(LogFile);
        if (created)
        {
            dir.SyncDirectory(); // a new file's name is durable only once its directory is synced
        }

        Recovered = new RecoveredState(_hardState, _snapshot, [.. _entries]);
    }

    public RecoveredState Recovered { get; }

    public void SaveHardState(ReadOnlyMemory<byte> hardState)
    {
        _hardState = hardState.ToArray();
        _batch.ResetWrittenCount();
        AppendRecord(_batch, _payload, HardStateRecord, hardState.Span, null);
        _log.Append(_batch.WrittenSpan);
    }

    public void Append(IReadOnlyList<LogEntry> entries)
    {
        _batch.ResetWrittenCount();
        foreach (var e in entries)
        {
            AddInMemory(e);
            AppendRecord(_batch, _payload, EntryRecord, default, e);
        }

        _log.Append(_batch.WrittenSpan);
    }

    public void SaveSnapshot(Snapshot snapshot)
    {
        if (_snapshot is not null && snapshot.Index <= _snapshot.Index)
        {
            return;
        }

        var body = new System.Buffers.ArrayBufferWriter<byte>();
        ToyCodec.WriteSnapshot(body, snapshot);
        var file = new byte[8 + body.WrittenCount];
        BinaryPrimitives.WriteInt32LittleEndian(file, body.WrittenCount);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), Crc32.Compute(body.WrittenSpan));
        body.WrittenSpan.CopyTo(file.AsSpan(8));
        _dir.WriteAtomic(SnapshotFile, file);
        _snapshot = snapshot;
        if (_entries.Exists(e => e.Index == snapshot.Index && e.Term == snapshot.Term))
        {
            _entries.RemoveAll(e => e.Index <= snapshot.Index);
        }
        else
        {
            // The log does not continue this snapshot: what follows it may belong to another history.
            _entries.Clear();
        }

        // Rewrite the log without the entries the snapshot covers.
        var log = new ArrayBufferWriter<byte>();
        AppendRecord(log, _payload, HardStateRecord, _hardState, null);
        foreach (var e in _entries)
        {
            AppendRecord(log, _payload, EntryRecord, default, e);
        }

        _log.Dispose();
        _dir.WriteAtomic(LogFile, log.WrittenSpan);
        _log = _dir.OpenAppend(LogFile);
    }

    public void Sync() => _log.Sync();

    public void Dispose() => _log.Dispose();

    private void Replay(ReadOnlySpan<byte> payload)
    {
        if (payload[0] == HardStateRecord)
        {
            _hardState = payload[1..].ToArray();
        }
        else if (payload[0] == EntryRecord)
        {
            var offset = 1;
            var e = ToyCodec.ReadEntry(payload, ref offset);
            if (_snapshot is null || e.Index > _snapshot.Index)
            {
                AddInMemory(e);
            }
        }
    }

    private void AddInMemory(LogEntry e)
    {
        var first = _snapshot is null ? 1 : _snapshot.Index + 1;
        var position = (int)(e.Index - first);
        if (position < 0)
        {
            return;
        }

        if (position < _entries.Count)
        {
            _entries.RemoveRange(position, _entries.Count - position);
        }

        if (position == _entries.Count)
        {
            _entries.Add(e);
        }
    }

    private static void AppendRecord(ArrayBufferWriter<byte> output, ArrayBufferWriter<byte> payload, byte type, ReadOnlySpan<byte> raw, LogEntry? entry)
    {
        payload.ResetWrittenCount();
        payload.Write([type]);
        if (entry is { } e)
        {
            ToyCodec.WriteEntry(payload, e);
        }
        else
        {
            payload.Write(raw);
        }

        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.WrittenCount);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.Compute(payload.WrittenSpan));
        output.Write(header);
        output.Write(payload.WrittenSpan);
    }
}
