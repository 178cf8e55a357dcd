using System.Buffers;

using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Storage.Codec;
using Kernel.Storage.Records;

namespace Kernel.Storage.Consensus;

/// <summary>
/// A write-ahead log for any log-based consensus algorithm, over an <see cref="IDurableDirectory"/>: the
/// <see cref="IConsensusStorage"/> of UltimateConsensus's Raft, built on a <see cref="RecordLog"/>.
/// </summary>
/// <remarks>
/// <para>Segments <c>wal-0000000001.log</c>, <c>wal-0000000002.log</c>, ... hold <see cref="RecordLog"/> records
/// <c>[payload length: u32 LE][CRC-32C: u32 LE][type: u8][payload]</c>; the CRC covers the length, the type and the payload.
/// Types: 1 hard state (opaque bytes), 2 entry batch, 3 snapshot point (index, term). A segment is rolled once it passes
/// the size threshold; the old one (and the directory) is synced first and the new one starts with the last hard state written, so deleting
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
/// <para>Snapshots go to the file <c>snapshot</c> (a <see cref="ChecksummedFile"/>, written atomically); then a
/// snapshot-point record is logged and the oldest segments whose entries are all covered by the snapshot are deleted.</para>
/// </remarks>
public sealed class WalStorage : IConsensusStorage, IBackgroundSnapshotStorage
{
    /// <summary>The default segment size: 64 MiB.</summary>
    public const long DefaultSegmentBytes = RecordLogOptions.DefaultSegmentBytes;

    /// <summary>The name of the snapshot file in the directory.</summary>
    public const string SnapshotFileName = "snapshot";

    private const string SegmentPrefix = "wal-";
    private const uint SnapshotMagic = 0x504E5352; // "RSNP"
    private const byte HardStateRecord = 1;
    private const byte EntriesRecord = 2;
    private const byte SnapshotPointRecord = 3;

    private readonly RecordLog _log;
    private byte[] _pendingHardState = []; // saved but not yet written (when flagged): it goes after the entries
    private bool _hasPendingHardState;
    private bool _disposed;

    private WalStorage(RecordLog log, RecoveredState recovered)
    {
        _log = log;
        Recovered = recovered;
        _log.SetSegmentHead(HardStateRecord, recovered.HardState.Span);
    }

    /// <inheritdoc />
    public RecoveredState Recovered { get; }

    /// <summary>The segment files, oldest first (for tests).</summary>
    internal IReadOnlyList<string> SegmentNames => _log.SegmentNames;

    /// <summary>Opens the log in <paramref name="directory"/>, replaying it and dropping a torn tail.</summary>
    /// <param name="directory">Where the segments and the snapshot file are.</param>
    /// <param name="segmentBytes">The size past which a segment is rolled (at least 64).</param>
    /// <returns>The open storage; <see cref="Recovered"/> holds what was durable.</returns>
    /// <exception cref="StorageCorruptedException">The log or the snapshot file is damaged before its tail, or the log has a gap after the snapshot.</exception>
    public static WalStorage Open(IDurableDirectory directory, long segmentBytes = DefaultSegmentBytes)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentBytes, RecordLogOptions.MinSegmentBytes);

        var snapshot = directory.Exists(SnapshotFileName)
            ? ChecksummedFile.Read(directory, SnapshotFileName, SnapshotMagic, "Snapshot file", DecodeSnapshot)
            : null;
        var replay = new Replay();
        var options = new RecordLogOptions
        {
            SegmentPrefix = SegmentPrefix,
            MaxRecordType = SnapshotPointRecord,
            SegmentBytes = segmentBytes,
            Description = "Write-ahead log",
        };
        var log = RecordLog.Open(directory, options, replay.Apply);
        try
        {
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

            var storage = new WalStorage(log, new RecoveredState(replay.HardState, snapshot, entries));
            if (snapshot is not null)
            {
                log.DeleteSegmentsThrough(snapshot.Index);
            }

            return storage;
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
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

    /// <inheritdoc />
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

        ObjectDisposedException.ThrowIf(_disposed, this);
        new BinaryOut(_log.BeginRecord(EntriesRecord)).Entries(entries);
        _log.EndRecord(entries[^1].Index);
        WritePendingHardState();
    }

    /// <inheritdoc />
    public void SaveSnapshot(Snapshot snapshot)
    {
        WriteSnapshot(snapshot);
        CommitSnapshot(snapshot);
    }

    /// <inheritdoc />
    /// <remarks>Touches only the snapshot file (and the directory), never the log's segments.</remarks>
    public void WriteSnapshot(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ObjectDisposedException.ThrowIf(_disposed, this);
        // BinaryOut.Snapshot's encoding, with the data (the bulk) written from the snapshot's own buffer.
        var head = new ArrayBufferWriter<byte>(256);
        new BinaryOut(head).SnapshotHead(snapshot);
        ChecksummedFile.WriteAtomic(_log.Directory, SnapshotFileName, SnapshotMagic, [head.WrittenMemory, snapshot.Data]);
    }

    /// <inheritdoc />
    public void CommitSnapshot(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var w = new BinaryOut(_log.BeginRecord(SnapshotPointRecord));
        w.Varint(snapshot.Index);
        w.Varint(snapshot.Term);
        _log.EndRecord();
        _log.DeleteSegmentsThrough(snapshot.Index);
    }

    /// <inheritdoc />
    public void Sync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        WritePendingHardState();
        _log.Sync();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _log.Dispose();
        }
    }

    /// <summary>The name of segment <paramref name="seq"/> (from 1).</summary>
    internal static string SegmentName(long seq) => RecordLog.SegmentName(SegmentPrefix, seq);

    /// <summary>Writes the hard state held back by <see cref="SaveHardState"/>, if any, after what was written so far.</summary>
    private void WritePendingHardState()
    {
        if (!_hasPendingHardState)
        {
            return;
        }

        // A roll here heads the new segment with the last hard state written; this one heads the segments after it.
        _log.Append(HardStateRecord, _pendingHardState);
        _log.SetSegmentHead(HardStateRecord, _pendingHardState);
        _hasPendingHardState = false;
    }

    private static Snapshot DecodeSnapshot(ReadOnlySpan<byte> payload)
    {
        var r = new BinaryIn(payload);
        var snapshot = r.Snapshot();
        r.End();
        return snapshot;
    }

    /// <summary>The state rebuilt while replaying records in order.</summary>
    private sealed class Replay
    {
        private readonly List<LogEntry> _entries = [];

        public byte[] HardState { get; private set; } = [];

        public long LastSnapshotPoint { get; private set; }

        public IReadOnlyList<LogEntry> Entries => _entries;

        /// <summary>Applies one replayed record; returns the highest entry index it holds (0 for none).</summary>
        public long Apply(byte type, ReadOnlySpan<byte> payload)
        {
            switch (type)
            {
                case HardStateRecord:
                    HardState = payload.ToArray();
                    return 0;
                case EntriesRecord:
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

                    if (entries.Length == 0)
                    {
                        return 0;
                    }

                    Append(entries);
                    return entries[^1].Index;
                default: // SnapshotPointRecord: the log passes only types 1..3
                    var p = new BinaryIn(payload);
                    var index = p.Varint();
                    var term = p.Varint();
                    p.End();
                    ApplySnapshotPoint(index, term);
                    return 0;
            }
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

        private void Append(LogEntry[] batch)
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
    }
}
