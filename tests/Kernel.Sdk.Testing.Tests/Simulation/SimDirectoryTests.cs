using Kernel.Sdk.Testing.Simulation;

namespace Kernel.Sdk.Testing.Tests.Simulation;

public sealed class SimDirectoryTests
{
    private static readonly byte[] Synced = [1, 2, 3, 4];
    private static readonly byte[] Unsynced = [5, 6, 7, 8, 9, 10, 11, 12];

    private static SimDirectory WithFile()
    {
        var dir = new SimDirectory();
        using var f = dir.OpenAppend("log");
        dir.SyncDirectory();
        f.Append(Synced);
        f.Sync();
        f.Append(Unsynced);
        Assert.Equal(12, f.Length);
        return dir;
    }

    [Fact]
    public void Process_crash_keeps_unsynced_bytes()
    {
        var dir = WithFile();
        dir.Crash(DiskCrashMode.KeepUnsynced);
        Assert.Equal([.. Synced, .. Unsynced], dir.ReadAll("log"));
    }

    [Fact]
    public void Power_loss_drops_unsynced_bytes_and_keeps_synced_ones()
    {
        var dir = WithFile();
        dir.Crash(DiskCrashMode.LoseUnsynced);
        Assert.Equal(Synced, dir.ReadAll("log"));
    }

    [Fact]
    public void Tearing_keeps_the_synced_part_and_a_prefix_of_the_rest_sometimes_garbled()
    {
        var lengths = new HashSet<int>();
        var garbled = 0;
        for (ulong seed = 0; seed < 200; seed++)
        {
            var dir = WithFile();
            dir.Crash(DiskCrashMode.Tear, seed);
            var bytes = dir.ReadAll("log");
            Assert.InRange(bytes.Length, Synced.Length, Synced.Length + Unsynced.Length);
            Assert.Equal(Synced, bytes[..4]);
            lengths.Add(bytes.Length);
            if (!bytes.AsSpan(4).SequenceEqual(Unsynced.AsSpan(0, bytes.Length - 4)))
            {
                garbled++;
            }
        }

        Assert.Contains(4, lengths);
        Assert.True(lengths.Count >= 6, "many different torn lengths");
        Assert.True(garbled > 10, "some torn tails end in garbage");
    }

    [Fact]
    public void Write_atomic_is_durable_and_all_or_nothing()
    {
        var dir = new SimDirectory();
        dir.WriteAtomic("meta", [1, 1, 1]);
        dir.Crash(DiskCrashMode.Tear, 7);
        Assert.Equal([1, 1, 1], dir.ReadAll("meta"));
        dir.WriteAtomic("meta", [2, 2]);
        dir.Crash(DiskCrashMode.Tear, 8);
        Assert.Equal([2, 2], dir.ReadAll("meta"));
    }

    [Fact]
    public void A_new_file_vanishes_on_power_loss_until_its_directory_is_synced()
    {
        var dir = new SimDirectory();
        using (var f = dir.OpenAppend("new"))
        {
            f.Append([1]);
        }

        using (var g = dir.OpenAppend("synced-file-only"))
        {
            g.Append([2]);
            g.Sync(); // the bytes, not the name: as on Linux, the directory entry needs the directory synced
        }

        dir.Crash(DiskCrashMode.LoseUnsynced);
        Assert.Empty(dir.List());

        using (var h = dir.OpenAppend("kept"))
        {
            h.Append([3]);
            h.Sync();
        }

        dir.SyncDirectory();
        dir.Crash(DiskCrashMode.LoseUnsynced);
        Assert.Equal(["kept"], dir.List());
        Assert.Equal([3], dir.ReadAll("kept"));
    }

    [Fact]
    public void A_file_created_without_a_directory_sync_may_survive_a_tearing_crash_or_not()
    {
        var survived = 0;
        for (ulong seed = 0; seed < 100; seed++)
        {
            var dir = new SimDirectory();
            using (var f = dir.OpenAppend("segment"))
            {
                f.Append([1, 2, 3]);
                f.Sync();
            }

            dir.Crash(DiskCrashMode.Tear, seed);
            survived += dir.Exists("segment") ? 1 : 0;
        }

        Assert.InRange(survived, 20, 80);
    }

    [Fact]
    public void Truncate_cuts_and_syncs()
    {
        var dir = WithFile();
        dir.Truncate("log", 6);
        dir.Crash(DiskCrashMode.LoseUnsynced);
        Assert.Equal([1, 2, 3, 4, 5, 6], dir.ReadAll("log"));
    }

    [Fact]
    public void Undurable_delete_may_be_undone_and_synced_delete_is_final()
    {
        var dir = WithFile();
        dir.Delete("log");
        Assert.False(dir.Exists("log"));
        dir.Crash(DiskCrashMode.LoseUnsynced);
        Assert.True(dir.Exists("log"));
        Assert.Equal(Synced, dir.ReadAll("log"));
        dir.Delete("log");
        dir.SyncDirectory();
        dir.Crash(DiskCrashMode.LoseUnsynced);
        Assert.False(dir.Exists("log"));
    }

    [Fact]
    public void Handles_from_before_a_crash_fail()
    {
        var dir = new SimDirectory();
        var f = dir.OpenAppend("log");
        dir.Crash(DiskCrashMode.KeepUnsynced);
        Assert.Throws<InvalidOperationException>(() => f.Append([1]));
    }

    [Fact]
    public void List_is_sorted_ordinally()
    {
        var dir = new SimDirectory();
        dir.WriteAtomic("b", [1]);
        dir.WriteAtomic("B", [1]);
        dir.WriteAtomic("a", [1]);
        Assert.Equal(["B", "a", "b"], dir.List());
    }
}
