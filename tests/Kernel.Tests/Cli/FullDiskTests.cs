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
        await OnSmallDiskAsync(async (mount, ballast) =>
        {
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
        });
    }

    /// <summary>
    /// One member of three on a small disk: once it is full the other two go on acknowledging writes, the full member
    /// stays up and refuses writes with NOSPACE, and once space is freed it catches up with every acknowledged write, and
    /// keeps them across a restart.
    /// </summary>
    [Fact]
    public async Task One_full_member_of_three_does_not_stop_the_cluster_and_catches_up_once_space_is_freed()
    {
        await OnSmallDiskAsync(async (mount, ballast) =>
        {
            const int Full = 2; // m3's data is on the small disk
            using var cluster = await ProcessCluster.StartWithLeaderAsync("full-member", members: 3, dataDir: i => i == Full ? Path.Combine(mount, "m3") : null);
            var full = cluster.Members[Full]!;
            var healthy = new[] { new KV.KVClient(cluster.Channels[0]), new KV.KVClient(cluster.Channels[1]) };
            var acknowledged = new List<int>();
            var n = 0;

            // Write through the two healthy members until the third says its disk is full (if it led, another takes over).
            async Task<bool> PutAsync(int key)
            {
                for (var attempt = 0; attempt < 20; attempt++)
                {
                    try
                    {
                        await healthy[attempt % 2].PutAsync(new PutRequest { Key = Key(key), Value = Value(key) }, deadline: DateTime.UtcNow.AddSeconds(10));
                        acknowledged.Add(key);
                        return true;
                    }
                    catch (RpcException)
                    {
                        await Task.Delay(250); // a leader change; the put's outcome is unknown and it is not counted
                    }
                }

                return false;
            }

            while (n < 200 && !full.Output.Contains("its disk is full", StringComparison.Ordinal))
            {
                Assert.True(await PutAsync(n++), $"the cluster stopped taking writes before m3's disk was full:\n{cluster.Logs()}");
            }

            Assert.True(full.Output.Contains("its disk is full", StringComparison.Ordinal), $"m3's disk never filled after {n} puts:\n{full.Tail(40)}");
            output.WriteLine($"m3's disk was full after {acknowledged.Count} acknowledged puts");

            // The two others go on acknowledging writes; the full member stays up and refuses writes for want of space.
            for (var i = 0; i < 3; i++)
            {
                Assert.True(await PutAsync(1000 + i), $"no write acknowledged with one member's disk full:\n{cluster.Logs()}");
            }

            Assert.False(full.Process.HasExited, "the full member exited:\n" + full.Tail(40));
            var refused = await Assert.ThrowsAsync<RpcException>(async () =>
                await new KV.KVClient(cluster.Channels[Full]).PutAsync(new PutRequest { Key = Key(2000), Value = Value(2000) }, deadline: DateTime.UtcNow.AddSeconds(10)));
            Assert.True(refused.StatusCode == StatusCode.ResourceExhausted, $"a write through the full member: {refused.Status}");

            // Space freed: the member reopens its log and catches up with everything acknowledged.
            File.Delete(ballast);
            var last = acknowledged[^1];
            var m3 = new KV.KVClient(cluster.Channels[Full]);
            await KernelProcess.Until(
                async () =>
                {
                    try
                    {
                        var got = await m3.RangeAsync(new RangeRequest { Key = Key(last), Serializable = true }, deadline: DateTime.UtcNow.AddSeconds(5));
                        return got.Kvs.Count == 1;
                    }
                    catch (RpcException)
                    {
                        return false;
                    }
                },
                "m3 catching up after space was freed",
                cluster.Logs,
                90);
            await AssertHoldsAsync(m3, acknowledged, serializable: true);

            // And keeps it across a restart.
            full.Stop();
            cluster.StartMember(Full);
            await cluster.WaitForLeaderAsync();
            await KernelProcess.Until(
                async () =>
                {
                    try
                    {
                        return (await m3.RangeAsync(new RangeRequest { Key = Key(last), Serializable = true }, deadline: DateTime.UtcNow.AddSeconds(5))).Kvs.Count == 1;
                    }
                    catch (RpcException)
                    {
                        return false;
                    }
                },
                "m3 serving after its restart",
                cluster.Logs,
                60);
            await AssertHoldsAsync(m3, acknowledged, serializable: true);
            cluster.StopAll();
        });
    }

    /// <summary>
    /// Runs <paramref name="body"/> with a 24 MB tmpfs mounted (needs root or CAP_SYS_ADMIN, which CI has) and a ballast
    /// file taking a third of it, which the body deletes to free space; unmounts it afterwards.
    /// </summary>
    private static async Task OnSmallDiskAsync(Func<string, string, Task> body)
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
            var ballast = Path.Combine(mount, "ballast");
            await File.WriteAllBytesAsync(ballast, new byte[8 * 1024 * 1024]);
            await body(mount, ballast);
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
