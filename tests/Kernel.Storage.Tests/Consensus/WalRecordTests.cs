using System.Buffers.Binary;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Storage;
using Kernel.Storage.Consensus;

namespace Kernel.Storage.Tests.Consensus;

/// <summary>The WAL builds each record in one reused buffer: records of any size round-trip, and a warm append makes no garbage.</summary>
public sealed class WalRecordTests
{
    private static LogEntry[] Batch(long from, int count, int size, long term = 1) =>
        Enumerable.Range(0, count).Select(i => new LogEntry(from + i, term, EntryKind.Command, Enumerable.Repeat((byte)(from + i), size).ToArray())).ToArray();

    [Fact]
    public void BatchesLargerAndSmallerThanTheBufferRoundTripAcrossSegments()
    {
        var dir = new MemoryDirectory();
        var written = new List<LogEntry>();
        var hs = new HardState(3, new NodeId(1), 0);
        using (var wal = WalStorage.Open(dir, segmentBytes: 100 << 10))
        {
            var next = 1L;
            foreach (var (count, size) in new[] { (2, 10), (100, 4096), (1, 1), (3, 300_000), (50, 64), (1, 0), (20, 8192) })
            {
                var batch = Batch(next, count, size);
                wal.Append(batch);
                written.AddRange(batch);
                next += count;
                hs = hs with { Commit = next - 1 };
                wal.SaveHardState(hs.Encode());
            }

            wal.Sync();
        }

        Assert.True(dir.List().Count(n => n.StartsWith("wal-", StringComparison.Ordinal)) > 3);
        using var reopened = WalStorage.Open(dir, segmentBytes: 100 << 10);
        Assert.Equal(hs, HardState.Decode(reopened.Recovered.HardState.Span));
        Assert.Equal(
            written.Select(e => (e.Index, e.Term, Convert.ToHexString(e.Data.Span))),
            reopened.Recovered.Entries.Select(e => (e.Index, e.Term, Convert.ToHexString(e.Data.Span))));
    }

    [Fact]
    public void NewSegmentStartsWithTheLatestHardStateEvenAfterALargeRecord()
    {
        var dir = new MemoryDirectory();
        var hs = new HardState(5, new NodeId(2), 4);
        using (var wal = WalStorage.Open(dir, segmentBytes: 1024))
        {
            wal.SaveHardState(hs.Encode());
            wal.Append(Batch(1, 4, 100_000));
            wal.Append(Batch(5, 1, 10)); // rolls: the new segment starts with the hard state, then this batch
            wal.Sync();
        }

        // The second segment's first record: [length][CRC][type 1 = hard state][the hard state].
        var second = dir.Bytes(dir.List().Where(n => n.StartsWith("wal-", StringComparison.Ordinal)).ToArray()[1]).ToArray();
        var encoded = hs.Encode();
        Assert.Equal((uint)encoded.Length, BinaryPrimitives.ReadUInt32LittleEndian(second));
        Assert.Equal(1, second[8]);
        Assert.Equal(encoded, second.AsSpan(9, encoded.Length).ToArray());

        using var reopened = WalStorage.Open(dir, segmentBytes: 1024);
        Assert.Equal(hs, HardState.Decode(reopened.Recovered.HardState.Span));
        Assert.Equal(5, reopened.Recovered.Entries.Count);
    }

    [Fact]
    public void WarmAppendsAllocateAlmostNothing()
    {
        var dir = new DiscardingDirectory();
        using var wal = WalStorage.Open(dir);
        var batch = Batch(1, 64, 4096); // 256 KiB: it used to be encoded into a fresh buffer, then copied into a fresh record
        var hardState = new HardState(1, new NodeId(1), 64).Encode();
        for (var i = 0; i < 5; i++)
        {
            wal.Append(batch);
            wal.SaveHardState(hardState);
        }

        const int rounds = 50;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < rounds; i++)
        {
            wal.Append(batch);
            wal.SaveHardState(hardState);
        }

        var perRound = (GC.GetAllocatedBytesForCurrentThread() - before) / rounds;
        Assert.True(perRound < 1024, $"{perRound} bytes allocated per append of a 256 KiB batch");
        Assert.True(dir.Appended > rounds * 64L * 4096);
    }

    /// <summary>A directory whose one file counts and drops what is appended.</summary>
    private sealed class DiscardingDirectory : IDurableDirectory, IDurableFile
    {
        public long Appended { get; private set; }

        public string Location => "discard:";

        public long Length => 0; // never full: no rolls

        public IReadOnlyList<string> List() => [];

        public bool Exists(string name) => false;

        public byte[] ReadAll(string name) => throw new FileNotFoundException(name);

        public IDurableFile OpenAppend(string name) => this;

        public void WriteAtomic(string name, ReadOnlySpan<byte> content)
        {
        }

        public void Delete(string name)
        {
        }

        public void Truncate(string name, long length)
        {
        }

        public void SyncDirectory()
        {
        }

        public void Append(ReadOnlySpan<byte> data) => Appended += data.Length;

        public void Sync()
        {
        }

        public void Dispose()
        {
        }
    }
}
