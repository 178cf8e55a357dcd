using System.Diagnostics;
using System.Globalization;

using Google.Protobuf;
using Grpc.Core;

using Kernel.Node.Etcd.Protos;

namespace Kernel.Tests.Cli;

/// <summary>
/// A <c>kernel node</c> member (a cluster of one) whose data directory is on a small tmpfs, filled with large values until
/// its disk is full: the writes fail with etcd's NOSPACE error, the process stays up and serves every acknowledged write,
/// and once space is freed (a ballast file deleted) writes succeed again; a restart finds everything acknowledged.
/// </summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class FullDiskTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int ValueBytes = 256 * 1024;

    [Fact]
    public async Task A_full_disk_fails_writes_with_nospace_keeps_the_member_up_and_writes_resume_once_space_is_freed()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // tmpfs
        }

        var mount = Path.Combine(Path.GetTempPath(), "kernel-full-disk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(mount);
        var (code, text) = Run("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount);
        if (code != 0)
        {
            Directory.Delete(mount);
            Assert.Fail($"mount -t tmpfs failed ({code}): {text}. This test needs root (or CAP_SYS_ADMIN) to mount a small tmpfs for the member's data.");
        }

        try
        {
            // A ballast file takes a third of the disk: deleting it later frees space.
            var ballast = Path.Combine(mount, "ballast");
            await File.WriteAllBytesAsync(ballast, new byte[8 * 1024 * 1024]);
            using var cluster = await ProcessCluster.StartWithLeaderAsync("full-disk", members: 1, dataDir: _ => Path.Combine(mount, "m1"));
            var member = cluster.Members[0]!;
            var kv = new KV.KVClient(cluster.Channels[0]);

            // Fill the disk: puts of large values until the member refuses them for want of space.
            var acknowledged = new List<int>();
            var errors = new List<RpcException>();
            for (var n = 0; n < 200 && errors.LastOrDefault()?.StatusCode != StatusCode.ResourceExhausted; n++)
            {
                try
                {
                    await kv.PutAsync(new PutRequest { Key = Key(n), Value = Value(n) }, deadline: DateTime.UtcNow.AddSeconds(20));
                    acknowledged.Add(n);
                }
                catch (RpcException ex)
                {
                    errors.Add(ex);
                }
            }

            output.WriteLine($"{acknowledged.Count} puts acknowledged, then: {string.Join(" | ", errors.Select(e => $"{e.StatusCode}: {e.Status.Detail}"))}");
            Assert.True(acknowledged.Count > 10, $"only {acknowledged.Count} puts acknowledged before the disk was full:\n{cluster.Logs()}");
            Assert.True(errors.Count > 0 && errors[^1].StatusCode == StatusCode.ResourceExhausted, $"no NOSPACE error after {acknowledged.Count} puts: {string.Join(" | ", errors.Select(e => e.Status.ToString()))}\n{member.Tail(40)}");
            Assert.Equal("etcdserver: mvcc: database space exceeded", errors[^1].Status.Detail);
            Assert.All(errors, e => Assert.True(
                e.Status.Detail.Contains("space", StringComparison.Ordinal) || e.Status.Detail.Contains("disk is full", StringComparison.Ordinal),
                $"an error that does not name the disk: {e.Status}"));

            // Still full: still refused, the process is up, and it logged why.
            for (var i = 0; i < 3; i++)
            {
                var again = await Assert.ThrowsAsync<RpcException>(async () => await kv.PutAsync(new PutRequest { Key = Key(1000 + i), Value = Value(1000 + i) }, deadline: DateTime.UtcNow.AddSeconds(20)));
                Assert.Equal(StatusCode.ResourceExhausted, again.StatusCode);
            }

            Assert.False(member.Process.HasExited, "the member exited on a full disk:\n" + member.Tail(40));
            Assert.Contains("its disk is full", member.Output, StringComparison.Ordinal);
            await AssertHoldsAsync(kv, acknowledged, serializable: true);

            // Free space: the member reopens its log and takes writes again.
            File.Delete(ballast);
            await KernelProcess.Until(
                async () =>
                {
                    try
                    {
                        await kv.PutAsync(new PutRequest { Key = Key(5000), Value = Value(5000) }, deadline: DateTime.UtcNow.AddSeconds(10));
                        return true;
                    }
                    catch (RpcException)
                    {
                        return false;
                    }
                },
                "a put after space was freed",
                cluster.Logs,
                60);
            acknowledged.Add(5000);
            await kv.PutAsync(new PutRequest { Key = Key(5001), Value = Value(5001) }, deadline: DateTime.UtcNow.AddSeconds(20));
            acknowledged.Add(5001);
            await AssertHoldsAsync(kv, acknowledged, serializable: false);

            // A restart on the same data finds every acknowledged write.
            member.Stop();
            cluster.StartMember(0);
            await cluster.WaitForLeaderAsync();
            await AssertHoldsAsync(kv, acknowledged, serializable: false);
            cluster.StopAll();
        }
        finally
        {
            var (umount, why) = Run("umount", mount);
            if (umount != 0)
            {
                Run("umount", "-l", mount);
            }

            Directory.Delete(mount, recursive: true);
            Assert.True(umount == 0, $"umount {mount} failed: {why}");
        }
    }

    private static ByteString Key(int n) => ByteString.CopyFromUtf8("fill/" + n.ToString(CultureInfo.InvariantCulture));

    /// <summary>A large value that tells its key's number (its characters cycle from it).</summary>
    private static ByteString Value(int n)
    {
        var bytes = new byte[ValueBytes];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)('a' + ((n + i) % 26));
        }

        return ByteString.CopyFrom(bytes);
    }

    /// <summary>Each acknowledged key holds its value (read one at a time: together they pass gRPC's message limit).</summary>
    private static async Task AssertHoldsAsync(KV.KVClient kv, IEnumerable<int> acknowledged, bool serializable)
    {
        foreach (var n in acknowledged)
        {
            var got = await kv.RangeAsync(new RangeRequest { Key = Key(n), Serializable = serializable }, deadline: DateTime.UtcNow.AddSeconds(20));
            Assert.True(got.Kvs.Count == 1 && got.Kvs[0].Value.Equals(Value(n)), $"acknowledged put {n} is not readable ({(serializable ? "serializable" : "linearizable")}): {got.Kvs.Count} kvs");
        }
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        try
        {
            using var process = Process.Start(start)!;
            var text = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, text.Trim());
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}
