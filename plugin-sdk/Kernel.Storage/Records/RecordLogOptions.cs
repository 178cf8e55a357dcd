namespace Kernel.Storage.Records;

/// <summary>How a <see cref="RecordLog"/> names its segments, when it rolls them and which record types it accepts.</summary>
public sealed class RecordLogOptions
{
    /// <summary>The default <see cref="SegmentBytes"/>: 64 MiB.</summary>
    public const long DefaultSegmentBytes = 64L << 20;

    /// <summary>The smallest <see cref="SegmentBytes"/> allowed.</summary>
    public const long MinSegmentBytes = 64;

    /// <summary>
    /// The start of the segment file names: segments are <c>{prefix}0000000001.log</c>, <c>{prefix}0000000002.log</c>, ...
    /// Letters, digits, '-', '_' and '.' only. Other files in the directory are left alone, so logs with different
    /// prefixes (and other files, such as snapshots) can share one directory.
    /// </summary>
    public required string SegmentPrefix { get; init; }

    /// <summary>
    /// The highest record type used: types are 1 to this value (0 is never a type, so zero fill never reads as a record).
    /// A stored record of any other type is reported as corruption.
    /// </summary>
    public required byte MaxRecordType { get; init; }

    /// <summary>A segment at or past this many bytes is rolled before the next record (at least <see cref="MinSegmentBytes"/>).</summary>
    public long SegmentBytes { get; init; } = DefaultSegmentBytes;

    /// <summary>What the log is called in error messages, e.g. "Write-ahead log" (default "Record log").</summary>
    public string Description { get; init; } = "Record log";

    /// <summary>Throws <see cref="ArgumentException"/> naming the option that is out of range.</summary>
    internal void Validate()
    {
        if (string.IsNullOrEmpty(SegmentPrefix) || !SegmentPrefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException(
                $"SegmentPrefix '{SegmentPrefix}' is not allowed: use one or more ASCII letters, digits, '-', '_' or '.'.", nameof(SegmentPrefix));
        }

        if (MaxRecordType == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRecordType), MaxRecordType, "MaxRecordType must be 1..255 (0 is never a record type).");
        }

        if (SegmentBytes < MinSegmentBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(SegmentBytes), SegmentBytes, $"SegmentBytes must be at least {MinSegmentBytes}.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(Description, nameof(Description));
    }
}
