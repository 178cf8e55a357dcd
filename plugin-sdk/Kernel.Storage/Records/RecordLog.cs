using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Storage.Codec;

namespace Kernel.Storage.Records;

/// <summary>
/// A log of typed, CRC-checked records in segment files over an <see cref="IDurableDirectory"/>: the layer under a
/// write-ahead log (<see cref="Consensus.WalStorage"/>) or a replication log of append and delete records.
/// </summary>
/// <remarks>
/// <para>Segments <c>{prefix}0000000001.log</c>, <c>{prefix}0000000002.log</c>, ... hold records
/// <c>[payload length: u32 LE][CRC-32C: u32 LE][type: u8][payload]</c>; the CRC covers the length, the type and the payload.
/// A segment at or past <see cref="RecordLogOptions.SegmentBytes"/> is rolled before the next record: it (and the
/// directory, if a segment was created or deleted since the last sync) is synced first, so only the last segment can
/// have a torn tail or be missing, and the new one starts with the segment head, if one is set
/// (<see cref="SetSegmentHead"/>), so deleting old segments never loses it.</para>
/// <para>Replay (<see cref="Open"/>): a record that is incomplete or fails its CRC at the tail of the last segment, with
/// no valid record after it, is a torn write: it is truncated away. Any other bad record, one of an unknown type, or one
/// the handler cannot decode, is corruption and throws <see cref="StorageCorruptedException"/> naming the file and byte offset.</para>
/// <para>Writes are buffered until <see cref="Sync"/>. Not thread-safe: one writer drives it.</para>
/// </remarks>
public sealed class RecordLog : IDisposable
{
    /// <summary>The bytes of a record's header: length, CRC, type.</summary>
    public const int HeaderBytes = 9;

    /// <summary>The largest payload a record may have: 512 MiB.</summary>
    public const int MaxRecordBytes = 512 << 20;

    private const string SegmentSuffix = ".log";
    private const int SequenceDigits = 10;
    private const int InitialRecordBuffer = 64 << 10;
    private const int RetainedRecordBuffer = 16 << 20;

    private readonly IDurableDirectory _directory;
    private readonly string _prefix;
    private readonly long _segmentBytes;
    private readonly byte _maxRecordType;
    private readonly List<Segment> _segments;

    // Every record is built here, header first, then written with one call: no array per record once it has grown.
    private readonly ReusableBufferWriter _record = new(InitialRecordBuffer, RetainedRecordBuffer);
    private IDurableFile? _current;
    private bool _directoryDirty;
    private byte _headType;
    private byte[] _head = []; // the record that starts each new segment (none while empty)
    private bool _recordOpen;
    private bool _disposed;

    private RecordLog(IDurableDirectory directory, RecordLogOptions options, List<Segment> segments)
    {
        _directory = directory;
        _prefix = options.SegmentPrefix;
        _segmentBytes = options.SegmentBytes;
        _maxRecordType = options.MaxRecordType;
        _segments = segments;
    }

    /// <summary>The directory the segments are in.</summary>
    public IDurableDirectory Directory => _directory;

    /// <summary>The segment files, oldest first.</summary>
    public IReadOnlyList<string> SegmentNames => _segments.Select(s => s.Name).ToArray();

    /// <summary>
    /// Opens the log in <paramref name="directory"/>: replays every record to <paramref name="replay"/>, oldest first,
    /// truncating a torn tail of the last segment; the next record is appended after the last valid one.
    /// </summary>
    /// <param name="directory">Where the segments are (created on the first append).</param>
    /// <param name="options">Segment names, size and record types.</param>
    /// <param name="replay">Receives each stored record.</param>
    /// <returns>The open log.</returns>
    /// <exception cref="StorageCorruptedException">A record before the tail is damaged, of an unknown type, or undecodable.</exception>
    public static RecordLog Open(IDurableDirectory directory, RecordLogOptions options, RecordReplayHandler replay)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(replay);
        options.Validate();

        var segments = directory.List()
            .Select(name => (Name: name, Seq: ParseSegmentName(options.SegmentPrefix, name)))
            .Where(s => s.Seq > 0)
            .OrderBy(s => s.Seq)
            .Select(s => new Segment(s.Seq, s.Name))
            .ToList();

        for (var i = 0; i < segments.Count; i++)
        {
            ReplaySegment(directory, options, segments[i], replay, isLast: i == segments.Count - 1);
        }

        var log = new RecordLog(directory, options, segments);
        if (segments.Count > 0)
        {
            log._current = directory.OpenAppend(segments[^1].Name);
        }

        return log;
    }

    /// <summary>
    /// Starts a record of <paramref name="type"/>, rolling to a new segment first if the current one is full: write the
    /// payload to the returned writer, then call <see cref="EndRecord"/>. The writer is valid until then.
    /// </summary>
    /// <param name="type">The record's type, 1 to <see cref="RecordLogOptions.MaxRecordType"/>.</param>
    /// <returns>Where the payload goes.</returns>
    public IBufferWriter<byte> BeginRecord(byte type)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckType(type);
        if (_current is null || _current.Length >= _segmentBytes)
        {
            Roll();
        }

        StartRecord(type);
        _recordOpen = true;
        return _record;
    }

    /// <summary>Appends the record begun by <see cref="BeginRecord"/> to the current segment (buffered until <see cref="Sync"/>).</summary>
    /// <param name="position">
    /// The highest position the record holds (caller-defined: a log index, a sequence number), or 0 for none: a segment
    /// goes in <see cref="DeleteSegmentsThrough"/> once all its positions are covered.
    /// </param>
    /// <exception cref="ArgumentException">The payload exceeds <see cref="MaxRecordBytes"/> (nothing is written).</exception>
    public void EndRecord(long position = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_recordOpen)
        {
            throw new InvalidOperationException("EndRecord without BeginRecord: no record was started.");
        }

        _recordOpen = false;
        WriteRecord(_current!);
        var segment = _segments[^1];
        segment.MaxPosition = Math.Max(segment.MaxPosition, position);
    }

    /// <summary>Appends a record whose payload is at hand: <see cref="BeginRecord"/>, the payload, <see cref="EndRecord"/>.</summary>
    /// <param name="type">The record's type, 1 to <see cref="RecordLogOptions.MaxRecordType"/>.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="position">The highest position the record holds, or 0 (see <see cref="EndRecord"/>).</param>
    public void Append(byte type, ReadOnlySpan<byte> payload, long position = 0)
    {
        BeginRecord(type).Write(payload);
        EndRecord(position);
    }

    /// <summary>
    /// Sets the record every segment created from now on starts with: the latest state a reader needs even once older
    /// segments are deleted (a consensus hard state, a checkpoint). An empty payload sets none. The bytes are copied.
    /// </summary>
    /// <param name="type">The record's type, 1 to <see cref="RecordLogOptions.MaxRecordType"/>.</param>
    /// <param name="payload">The record's payload.</param>
    public void SetSegmentHead(byte type, ReadOnlySpan<byte> payload)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckType(type);
        if (_head.Length != payload.Length)
        {
            _head = payload.Length == 0 ? [] : new byte[payload.Length];
        }

        payload.CopyTo(_head);
        _headType = type;
    }

    /// <summary>Makes every record appended so far, and segment creations and deletions, durable.</summary>
    public void Sync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _current?.Sync();
        if (_directoryDirty)
        {
            _directory.SyncDirectory();
            _directoryDirty = false;
        }
    }

    /// <summary>
    /// Deletes the oldest segments whose positions are all at or below <paramref name="position"/>, never the current
    /// one (durable after the next <see cref="Sync"/>).
    /// </summary>
    /// <param name="position">Everything up to and including this position is no longer needed.</param>
    /// <returns>How many segments were deleted.</returns>
    public int DeleteSegmentsThrough(long position)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var deleted = 0;
        while (_segments.Count > 1 && _segments[0].MaxPosition <= position)
        {
            _directory.Delete(_segments[0].Name);
            _segments.RemoveAt(0);
            deleted++;
        }

        if (deleted > 0)
        {
            _directoryDirty = true;
        }

        return deleted;
    }

    /// <summary>Closes the current segment. What was not synced may be lost.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _current?.Dispose();
            _current = null;
        }
    }

    /// <summary>The name of segment <paramref name="sequence"/> (from 1) for <paramref name="prefix"/>.</summary>
    internal static string SegmentName(string prefix, long sequence) =>
        prefix + sequence.ToString("D" + SequenceDigits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + SegmentSuffix;

    // ---------------------------------------------------------------- writing

    private void CheckType(byte type)
    {
        if (type == 0 || type > _maxRecordType)
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, $"Record types are 1..{_maxRecordType}.");
        }
    }

    private void Roll()
    {
        if (_current is not null)
        {
            // Everything before a new segment must be durable: only the last segment may have a torn tail. That includes
            // the creation of the segment being left (rolled into since the last sync): else a power loss could drop it
            // while a later segment survives, a hole in the middle of the log.
            _current.Sync();
            if (_directoryDirty)
            {
                _directory.SyncDirectory();
                _directoryDirty = false;
            }

            _current.Dispose();
            _current = null;
        }

        var seq = _segments.Count == 0 ? 1 : _segments[^1].Seq + 1;
        var segment = new Segment(seq, SegmentName(_prefix, seq));
        _current = _directory.OpenAppend(segment.Name);
        _segments.Add(segment);
        _directoryDirty = true;
        if (_head.Length > 0)
        {
            StartRecord(_headType);
            _record.Write(_head);
            WriteRecord(_current);
        }
    }

    /// <summary>Resets the buffer and reserves the record header in it (length and CRC are filled in by <see cref="WriteRecord"/>).</summary>
    private void StartRecord(byte type)
    {
        _record.Reset();
        var header = _record.GetSpan(HeaderBytes)[..HeaderBytes];
        header.Clear();
        header[8] = type;
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

    // ---------------------------------------------------------------- reading

    private static void ReplaySegment(IDurableDirectory directory, RecordLogOptions options, Segment segment, RecordReplayHandler replay, bool isLast)
    {
        var data = directory.ReadAll(segment.Name);
        var offset = 0;
        while (offset < data.Length)
        {
            if (!TryReadRecord(data, offset, out var type, out var payload))
            {
                if (isLast && !HasValidRecordAfter(data, offset, options.MaxRecordType))
                {
                    directory.Truncate(segment.Name, offset); // torn write at the tail: drop it
                    return;
                }

                throw new StorageCorruptedException(
                    $"{options.Description} segment '{Path.Combine(directory.Location, segment.Name)}' is corrupted at byte offset {offset} (bad length or CRC-32C, followed by valid data or in a sealed segment).");
            }

            try
            {
                if (type == 0 || type > options.MaxRecordType)
                {
                    throw new FormatException($"unknown record type {type}");
                }

                segment.MaxPosition = Math.Max(segment.MaxPosition, replay(type, payload));
            }
            catch (FormatException e)
            {
                throw new StorageCorruptedException(
                    $"{options.Description} segment '{Path.Combine(directory.Location, segment.Name)}' holds an undecodable record at byte offset {offset}: {e.Message}");
            }

            offset += HeaderBytes + payload.Length;
        }
    }

    private static bool TryReadRecord(byte[] data, int offset, out byte type, out ReadOnlySpan<byte> payload)
    {
        type = 0;
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

        type = record[8];
        payload = record[HeaderBytes..];
        return true;
    }

    /// <summary>
    /// True if a record of a known type with a valid CRC starts anywhere after a bad one: then the bad record is not a
    /// torn tail but damage in the middle. Cheap on garbage and zeros: most candidate lengths are impossible and need no CRC.
    /// </summary>
    private static bool HasValidRecordAfter(byte[] data, int badOffset, byte maxRecordType)
    {
        for (var o = badOffset + 1; o + HeaderBytes <= data.Length; o++)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(o));
            if (length == 0 && data[o + 8] == 0 && data[o + 4] == 0)
            {
                continue; // zero fill
            }

            if (data[o + 8] < 1 || data[o + 8] > maxRecordType)
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

    private static long ParseSegmentName(string prefix, string name) =>
        name.Length == prefix.Length + SequenceDigits + SegmentSuffix.Length
        && name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(SegmentSuffix, StringComparison.Ordinal)
        && long.TryParse(name.AsSpan(prefix.Length, SequenceDigits), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq > 0
            ? seq
            : 0;

    private sealed class Segment(long seq, string name)
    {
        public long Seq { get; } = seq;

        public string Name { get; } = name;

        /// <summary>The highest position written in the segment (0 if none): it may go once that is covered.</summary>
        public long MaxPosition { get; set; }
    }
}
