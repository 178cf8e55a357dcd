using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;

using UltimateConsensus.Common;

namespace UltimateConsensus.Storage;

/// <summary>
/// A write-ahead log for any log-based consensus algorithm of the plugin, over an <see cref="IDurableDirectory"/>.
/// </summary>
/// <remarks>
/// <para>Segments <c>wal-0000000001.log</c>, <c>wal-0000000002.log</c>, ... hold records
/// <c>[payload length: u32 LE][CRC-32C: u32 LE][type: u8][payload]</c>; the CRC covers the length, the type and the payload.
/// Types: 1 hard state (opaque bytes), 2 entry batch, 3 snapshot point (index, term). A segment is rolled once it passes
/// the size threshold; the old one is synced first and the new one starts with the last hard state written, so deleting
/// old segments never loses it.</para>
/// <para>A saved hard state is written after the entries: it is held back until the next <see cref="Append"/> (then
/// written after its entries) or <see cref="Sync"/>, whichever comes first (one followed by neither is not written: it was
/// never promised durable). The hard state carries the commit index, which
/// may cover entries given in the same batch that replace a conflicting suffix; a crash keeps a prefix of the unsynced
/// bytes, so a recovered hard state always comes with every entry written before it, whatever order the caller used
/// (etcd's WAL writes entries before state for the same reason).</para>
/// <para>Replay: later records win (a batch whose first index is at or below the last one replaces the suffix; a batch
/// after a gap starts afresh, which only happens after a snapshot was installed). A record that is incomplete or fails its
/// CRC at the tail of the last segment, with no valid record after it, is a torn write: it is truncated away. Any other bad
/// record is corruption and throws <see cref="StorageCorruptedException"/> naming the file and byte offset.</para>
/// <para>Snapshots go to the file <c>snapshot</c> (written atomically, with its own CRC); then a snapshot-point record is
/// logged and the oldest segments whose entries are all covered by the snapshot are deleted.</para>
/// </remarks>
internal sealed class WalStorage : IConsensusStorage
{
    public const long DefaultSegmentBytes = 64L << 20;
    public const string SnapshotFileName = "snapshot";
    private const int HeaderBytes = 9;
    private const int MaxRecordBytes = 512 << 20;
    private const uint SnapshotMagic = 0x504E5352; // "RSNP"
    private const int InitialRecordBuffer = 64 << 10;
    private const int RetainedRecordBuffer = 16 << 20;

    private readonly IDurableDirectory _directory;
    private readonly long _segmentBytes;
    private readonly List<Segment> _segments;

    // Every record is built here, header first, then written with one call: no array per record once it has grown.
    private readonly ReusableBufferWriter _record = new(InitialRecordBuffer, RetainedRecordBuffer);
    private IDurableFile? _current;
    private bool _directoryDirty;
    private byte[] _lastHardState; // the last one written to the log: the head of the next segment
    private byte[] _pendingHardState = []; // saved but not yet written (when flagged): it goes after the entries
    private bool _hasPendingHardState;
    private bool _disposed;

    private WalStorage(IDurableDirectory directory, long segmentBytes, List<Segment> segments, RecoveredState recovered)
    {
        _directory = directory;
        _segmentBytes = segmentBytes;
        _segments = segments;
        Recovered = recovered;
        _lastHardState = recovered.HardState.ToArray();
    }

    public RecoveredState Recovered { get; }

    /// <summary>The segment files, oldest first (for tests).</summary>
    internal IReadOnlyList<string> SegmentNames => _segments.Select(s => s.Name).ToArray();

    /// <summary>Opens the log in <paramref name="directory"/>, replaying it and dropping a torn tail.</summary>
    public static WalStorage Open(IDurableDirectory directory, long segmentBytes = DefaultSegmentBytes)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentBytes, 64);

        var snapshot = directory.Exists(SnapshotFileName) ? ReadSnapshotFile(directory) : null;
        var segments = directory.List()
            .Select(name => (Name: name, Seq: ParseSegmentName(name)))
            .Where(s => s.Seq > 0)
            .OrderBy(s => s.Seq)
            .Select(s => new Segment(s.Seq, s.Name))
            .ToList();

        var replay = new Replay();
        for (var i = 0; i < segments.Count; i++)
        {
            ReplaySegment(directory, segments[i], replay, isLast: i == segments.Count - 1);
        }

        if (snapshot is not null && snapshot.Index > replay.LastSnapshotPoint)
        {
            // The snapshot file was written but its snapshot-point record did not reach the disk.
            replay.ApplySnapshotPoint(snapshot.Index, snapshot.Term);
        }

        var snapshotIndex = snapshot?.Index ?? 0;
        var entries = replay.Entries.Where(e => e.Index > snapshotIndex).ToArray();
        if (entries.Length > 0 && entries[0].Index != snapshotIndex + 1)
        {
            throw new StorageCorruptedException(
                $"Write-ahead log in '{directory.Location}' has a gap: the snapshot ends at {snapshotIndex} but the log resumes at {entries[0].Index}.");
        }

        var recovered = new RecoveredState(replay.HardState, snapshot, entries);
        var storage = new WalStorage(directory, segmentBytes, segments, recovered);
        if (segments.Count > 0)
        {
            storage._current = directory.OpenAppend(segments[^1].Name);
        }

        if (snapshot is not null)
        {
            storage.DeleteCoveredSegments(snapshot.Index);
        }

        return storage;
    }

    public void SaveHardState(ReadOnlyMemory<byte> hardState)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_pendingHardState.Length != hardState.Length)
        {
            _pendingHardState = new byte[hardState.Length];
        }

        hardState.Span.CopyTo(_pendingHardState); // written after the entries: at the next Append or Sync
        _hasPendingHardState = true;
    }

    public void Append(IReadOnlyList<LogEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        for (var i = 1; i < entries.Count; i++)
        {
            if (entries[i].Index != entries[i - 1].Index + 1)
            {
                throw new ArgumentException($"Entries are not contiguous: {entries[i].Index} follows {entries[i - 1].Index}.", nameof(entries));
            }
        }

        BeginRecord(RecordType.Entries);
        new BinaryOut(_record).Entries(entries);
        EndRecord(entries[^1].Index);
        WritePendingHardState();
    }

    public void SaveSnapshot(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _directory.WriteAtomic(SnapshotFileName, EncodeSnapshotFile(snapshot));

        BeginRecord(RecordType.SnapshotPoint);
        var w = new BinaryOut(_record);
        w.Varint(snapshot.Index);
        w.Varint(snapshot.Term);
        EndRecord(maxIndex: 0);
        DeleteCoveredSegments(snapshot.Index);
    }

    public void Sync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        WritePendingHardState();
        _current?.Sync();
        if (_directoryDirty)
        {
            _directory.SyncDirectory();
            _directoryDirty = false;
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _current?.Dispose();
            _current = null;
        }
    }

    // ---------------------------------------------------------------- writing

    /// <summary>Writes the hard state held back by <see cref="SaveHardState"/>, if any, after what was written so far.</summary>
    private void WritePendingHardState()
    {
        if (!_hasPendingHardState)
        {
            return;
        }

        BeginRecord(RecordType.HardState); // a roll here heads the new segment with the last hard state written
        _record.Write(_pendingHardState);
        EndRecord(maxIndex: 0);
        (_lastHardState, _pendingHardState) = (_pendingHardState, _lastHardState); // two buffers, reused
        _hasPendingHardState = false;
    }

    /// <summary>Rolls to a new segment if the current one is full, then starts a record in the buffer: the payload follows.</summary>
    private void BeginRecord(RecordType type)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_current is null || _current.Length >= _segmentBytes)
        {
            Roll();
        }

        StartRecord(type);
    }

    /// <summary>Writes the record begun by <see cref="BeginRecord"/> to the current segment.</summary>
    private void EndRecord(long maxIndex)
    {
        WriteRecord(_current!);
        var segment = _segments[^1];
        segment.MaxIndex = Math.Max(segment.MaxIndex, maxIndex);
    }

    /// <summary>Resets the buffer and reserves the record header in it (length and CRC are filled in by <see cref="WriteRecord"/>).</summary>
    private void StartRecord(RecordType type)
    {
        _record.Reset();
        var header = _record.GetSpan(HeaderBytes)[..HeaderBytes];
        header.Clear();
        header[8] = (byte)type;
        _record.Advance(HeaderBytes);
    }

    /// <summary>Fills in the length and the CRC of the record in the buffer, in place, and appends it to <paramref name="file"/>.</summary>
    private void WriteRecord(IDurableFile file)
    {
        var record = _record.WrittenSpan;
        var length = record.Length - HeaderBytes;
        if (length > MaxRecordBytes)
        {
            throw new ArgumentException($"A record of {length} bytes exceeds the limit of {MaxRecordBytes}.");
        }

        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)length);
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], RecordCrc(record));
        file.Append(record);
    }

    private void Roll()
    {
        if (_current is not null)
        {
            // Everything before a new segment must be durable: only the last segment may have a torn tail.
            _current.Sync();
            _current.Dispose();
            _current = null;
        }

        var seq = _segments.Count == 0 ? 1 : _segments[^1].Seq + 1;
        var segment = new Segment(seq, SegmentName(seq));
        _current = _directory.OpenAppend(segment.Name);
        _segments.Add(segment);
        _directoryDirty = true;
        if (_lastHardState.Length > 0)
        {
            StartRecord(RecordType.HardState);
            _record.Write(_lastHardState);
            WriteRecord(_current);
        }
    }

    private void DeleteCoveredSegments(long snapshotIndex)
    {
        var deleted = false;
        while (_segments.Count > 1 && _segments[0].MaxIndex <= snapshotIndex)
        {
            _directory.Delete(_segments[0].Name);
            _segments.RemoveAt(0);
            deleted = true;
        }

        if (deleted)
        {
            _directoryDirty = true;
        }
    }

    // ---------------------------------------------------------------- reading

    private static void ReplaySegment(IDurableDirectory directory, Segment segment, Replay replay, bool isLast)
    {
        var data = directory.ReadAll(segment.Name);
        var offset = 0;
        while (offset < data.Length)
        {
            if (!TryReadRecord(data, offset, out var type, out var payload))
            {
                if (isLast && !HasValidRecordAfter(data, offset))
                {
                    directory.Truncate(segment.Name, offset); // torn write at the tail: drop it
                    return;
                }

                throw new StorageCorruptedException(
                    $"Write-ahead log segment '{Path.Combine(directory.Location, segment.Name)}' is corrupted at byte offset {offset} (bad length or CRC-32C, followed by valid data or in a sealed segment).");
            }

            try
            {
                ApplyRecord(type, payload, segment, replay);
            }
            catch (FormatException e)
            {
                throw new StorageCorruptedException(
                    $"Write-ahead log segment '{Path.Combine(directory.Location, segment.Name)}' holds an undecodable record at byte offset {offset}: {e.Message}");
            }

            offset += HeaderBytes + payload.Length;
        }
    }

    private static void ApplyRecord(RecordType type, ReadOnlySpan<byte> payload, Segment segment, Replay replay)
    {
        switch (type)
        {
            case RecordType.HardState:
                replay.HardState = payload.ToArray();
                break;
            case RecordType.Entries:
                var r = new BinaryIn(payload);
                var entries = r.Entries();
                r.End();
                for (var i = 1; i < entries.Length; i++)
                {
                    if (entries[i].Index != entries[i - 1].Index + 1)
                    {
                        throw new FormatException($"entries are not contiguous ({entries[i].Index} after {entries[i - 1].Index})");
                    }
                }

                if (entries.Length > 0)
                {
                    replay.Append(entries);
                    segment.MaxIndex = Math.Max(segment.MaxIndex, entries[^1].Index);
                }

                break;
            case RecordType.SnapshotPoint:
                var p = new BinaryIn(payload);
                var index = p.Varint();
                var term = p.Varint();
                p.End();
                replay.ApplySnapshotPoint(index, term);
                break;
            default:
                throw new FormatException($"unknown record type {(byte)type}");
        }
    }

    private static bool TryReadRecord(byte[] data, int offset, out RecordType type, out ReadOnlySpan<byte> payload)
    {
        type = default;
        payload = default;
        if (data.Length - offset < HeaderBytes)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset));
        if (length > MaxRecordBytes || length > (uint)(data.Length - offset - HeaderBytes))
        {
            return false;
        }

        var record = data.AsSpan(offset, HeaderBytes + (int)length);
        if (BinaryPrimitives.ReadUInt32LittleEndian(record[4..]) != RecordCrc(record))
        {
            return false;
        }

        type = (RecordType)record[8];
        payload = record[HeaderBytes..];
        return true;
    }

    /// <summary>
    /// True if a record with a valid CRC starts anywhere after a bad one: then the bad record is not a torn tail but
    /// damage in the middle. Cheap on garbage and zeros: most candidate lengths are impossible and need no CRC.
    /// </summary>
    private static bool HasValidRecordAfter(byte[] data, int badOffset)
    {
        for (var o = badOffset + 1; o + HeaderBytes <= data.Length; o++)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(o));
            if (length == 0 && data[o + 8] == 0 && data[o + 4] == 0)
            {
                continue; // zero fill
            }

            if (data[o + 8] is < (byte)RecordType.HardState or > (byte)RecordType.SnapshotPoint)
            {
                continue;
            }

            if (TryReadRecord(data, o, out _, out _))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>CRC-32C of the length, type and payload of a record (the CRC field itself is skipped).</summary>
    private static uint RecordCrc(ReadOnlySpan<byte> record) => Crc32C.Append(Crc32C.Compute(record[..4]), record[8..]);

    // ---------------------------------------------------------------- snapshot file

    private static byte[] EncodeSnapshotFile(Snapshot snapshot)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new BinaryOut(buffer);
        w.UInt32(SnapshotMagic);
        w.UInt32(0); // CRC placeholder
        w.Varint(snapshot.Index);
        w.Varint(snapshot.Term);
        w.Membership(snapshot.Membership);
        w.Bytes(snapshot.Data.Span);
        var bytes = buffer.WrittenSpan.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), Crc32C.Compute(bytes.AsSpan(8)));
        return bytes;
    }

    private static Snapshot ReadSnapshotFile(IDurableDirectory directory)
    {
        var bytes = directory.ReadAll(SnapshotFileName);
        var where = Path.Combine(directory.Location, SnapshotFileName);
        if (bytes.Length < 8 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != SnapshotMagic)
        {
            throw new StorageCorruptedException($"Snapshot file '{where}' is corrupted at byte offset 0 (bad magic or too short).");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)) != Crc32C.Compute(bytes.AsSpan(8)))
        {
            throw new StorageCorruptedException($"Snapshot file '{where}' is corrupted: CRC-32C mismatch over bytes 8..{bytes.Length}.");
        }

        try
        {
            var r = new BinaryIn(bytes.AsSpan(8));
            var snapshot = new Snapshot(r.Varint(), r.Varint(), r.Membership(), r.Bytes());
            r.End();
            return snapshot;
        }
        catch (FormatException e)
        {
            throw new StorageCorruptedException($"Snapshot file '{where}' is undecodable after byte offset 8: {e.Message}");
        }
    }

    // ---------------------------------------------------------------- names

    internal static string SegmentName(long seq) => "wal-" + seq.ToString("D10", CultureInfo.InvariantCulture) + ".log";

    private static long ParseSegmentName(string name) =>
        name.Length == 18 && name.StartsWith("wal-", StringComparison.Ordinal) && name.EndsWith(".log", StringComparison.Ordinal)
        && long.TryParse(name.AsSpan(4, 10), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq > 0
            ? seq
            : 0;

    private enum RecordType : byte
    {
        HardState = 1,
        Entries = 2,
        SnapshotPoint = 3,
    }

    private sealed class Segment(long seq, string name)
    {
        public long Seq { get; } = seq;

        public string Name { get; } = name;

        /// <summary>The highest entry index written in the segment (0 if none): it may go once a snapshot covers it.</summary>
        public long MaxIndex { get; set; }
    }

    /// <summary>The state rebuilt while replaying records in order.</summary>
    private sealed class Replay
    {
        private readonly List<LogEntry> _entries = [];

        public byte[] HardState { get; set; } = [];

        public long LastSnapshotPoint { get; private set; }

        public IReadOnlyList<LogEntry> Entries => _entries;

        public void Append(LogEntry[] batch)
        {
            var first = batch[0].Index;
            if (_entries.Count == 0 || first <= _entries[0].Index || first > _entries[^1].Index + 1)
            {
                // A gap means a snapshot was installed in between (its point record may have been lost with the crash).
                _entries.Clear();
            }
            else
            {
                var keep = (int)(first - _entries[0].Index);
                _entries.RemoveRange(keep, _entries.Count - keep);
            }

            _entries.AddRange(batch);
        }

        /// <summary>
        /// A snapshot at (index, term): the log keeps what follows it if it holds that entry (local compaction) or resumes
        /// right after it (entries appended after installing it); otherwise what the log holds is superseded.
        /// </summary>
        public void ApplySnapshotPoint(long index, long term)
        {
            LastSnapshotPoint = Math.Max(LastSnapshotPoint, index);
            if (_entries.Count == 0)
            {
                return;
            }

            var first = _entries[0].Index;
            var last = _entries[^1].Index;
            if (index >= first && index <= last)
            {
                if (_entries[(int)(index - first)].Term == term)
                {
                    _entries.RemoveRange(0, (int)(index - first + 1));
                }
                else
                {
                    _entries.Clear();
                }
            }
            else if (first != index + 1)
            {
                _entries.Clear();
            }
        }
    }
}
