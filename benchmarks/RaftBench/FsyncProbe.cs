using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RaftBench;

/// <summary>The disk's raw rate of durable small writes: the physical limit of commits that are not batched.</summary>
internal static class FsyncProbe
{
    public sealed record Result(string Name, long Count, double Seconds, double P50Ms, double P99Ms)
    {
        public double PerSecond => Count / Seconds;
    }

    /// <summary>Appends 64 B and fsyncs (FileStream.Flush(true), as FileSystemDirectory does), growing the file each time.</summary>
    public static Result AppendFsync(string directory, double seconds)
    {
        var path = Path.Combine(directory, "fsync-append.probe");
        try
        {
            using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.None);
            var record = new byte[64];
            return Loop("append 64 B + fsync", seconds, i =>
            {
                record[0] = (byte)i;
                stream.Write(record);
                stream.Flush(flushToDisk: true);
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Overwrites 64 B at increasing offsets of a file written and synced beforehand, then fdatasyncs: no size or extent change
    /// to commit, what a WAL with preallocated (zero-filled) segments pays. Linux only.
    /// </summary>
    public static Result? PreallocatedFdatasync(string directory, double seconds)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var path = Path.Combine(directory, "fsync-prealloc.probe");
        try
        {
            const int size = 16 << 20;
            using (var fill = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                var zeros = new byte[1 << 20];
                for (var written = 0; written < size; written += zeros.Length)
                {
                    fill.Write(zeros);
                }

                fill.Flush(flushToDisk: true);
            }

            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
            var fd = (int)handle.DangerousGetHandle();
            var record = new byte[64];
            return Loop("prealloc overwrite 64 B + fdatasync", seconds, i =>
            {
                record[0] = (byte)i;
                RandomAccess.Write(handle, record, (i * 64L) % size);
                if (fdatasync(fd) != 0)
                {
                    throw new IOException($"fdatasync failed (errno {Marshal.GetLastPInvokeError()}).");
                }
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Result Loop(string name, double seconds, Action<long> step)
    {
        var latencies = new List<long>(1 << 16);
        var sw = Stopwatch.StartNew();
        var end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        long i = 0;
        while (true)
        {
            var t0 = Stopwatch.GetTimestamp();
            if (t0 >= end)
            {
                break;
            }

            step(i++);
            latencies.Add(Stopwatch.GetTimestamp() - t0);
        }

        var elapsed = sw.Elapsed.TotalSeconds;
        latencies.Sort();
        return new Result(name, latencies.Count, elapsed, Stats.PercentileMs(latencies, 0.50), Stats.PercentileMs(latencies, 0.99));
    }

#pragma warning disable SA1300, IDE1006 // libc name
    [DllImport("libc", SetLastError = true)]
    private static extern int fdatasync(int fd);
#pragma warning restore SA1300, IDE1006
}

internal static class Stats
{
    /// <summary>The percentile of sorted Stopwatch-tick latencies, in milliseconds (nearest rank).</summary>
    public static double PercentileMs(List<long> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)] * 1000.0 / Stopwatch.Frequency;
    }
}
