namespace Kernel.Storage.Records;

/// <summary>
/// Receives one record of a <see cref="RecordLog"/> while it is replayed on open, oldest first. Throw
/// <see cref="FormatException"/> for a payload that does not decode: the log reports it as corruption naming the segment
/// file and the record's byte offset.
/// </summary>
/// <param name="type">The record's type, 1 to <see cref="RecordLogOptions.MaxRecordType"/>.</param>
/// <param name="payload">The record's payload (valid during the call only).</param>
/// <returns>
/// The highest position the record holds (caller-defined: a log index, a sequence number; not a byte offset), or 0 for
/// none, as <see cref="RecordLog.EndRecord"/> takes it: <see cref="RecordLog.DeleteSegmentsThrough"/> uses it.
/// </returns>
public delegate long RecordReplayHandler(byte type, ReadOnlySpan<byte> payload);
