using Kernel.Node.Runtime;
using Kernel.Sdk.Storage;

namespace Kernel.Node.Tests.Runtime;

/// <summary>
/// A member whose disk fills up: its log appends fail with ENOSPC (half of the write on disk, as a real full disk leaves
/// it). The member stays up, refuses writes with etcd's NOSPACE error, serves what it applied, and takes writes again
/// once there is room; nothing acknowledged is lost, also across a restart.
/// </summary>
public sealed class NodeRuntimeDiskFullTests
{
    [Fact]
    public async Task A_full_disk_refuses_writes_with_nospace_keeps_the_member_up_and_writes_resume_once_there_is_room()
    {
        var disk = new FillingDisk();
        await using var cluster = TestCluster.Create(count: 1);
        cluster.Directory = disk.Wrap;
        cluster.FreeDiskBytes = () => disk.Full ? 0 : null;
        var member = await cluster.StartMemberAsync(0);
        await cluster.LeaderAsync();
        for (var i = 0; i < 10; i++)
        {
            await TestCluster.ProposeAsync(member, "k" + i, "v" + i);
        }

        disk.Full = true;

        // The write that meets the full disk has an outcome the member cannot tell; then every write is refused.
        var outcomes = new List<Exception>();
        for (var attempt = 0; attempt < 50 && outcomes.LastOrDefault() is not ProposalRejectedException { Reason: RejectionReason.NoSpace }; attempt++)
        {
            outcomes.Add(await Assert.ThrowsAnyAsync<Exception>(() => member.Client.ProposeAsync(KvMachine.Set("full", "x"), CancellationToken.None)));
        }

        var first = Assert.IsType<ProposalOutcomeUnknownException>(outcomes[0]);
        Assert.Contains("disk is full", first.Message, StringComparison.Ordinal);
        Assert.Contains("No space left on device", first.Message, StringComparison.Ordinal);
        var refused = Assert.IsType<ProposalRejectedException>(outcomes[^1]);
        Assert.Equal((RejectionReason.NoSpace, "etcdserver: mvcc: database space exceeded"), (refused.Reason, refused.Message));
        for (var i = 0; i < 5; i++)
        {
            var again = await Assert.ThrowsAsync<ProposalRejectedException>(() => member.Client.ProposeAsync(KvMachine.Set("full", "y"), CancellationToken.None));
            Assert.Equal(RejectionReason.NoSpace, again.Reason);
        }

        // Up, not failed; what it applied is served.
        Assert.True(member.Runtime.DiskFull);
        Assert.Null(member.Runtime.Failure);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("v" + i, await TestCluster.ValueAsync(member, "k" + i, linearizable: false));
        }

        // Room again: the member reopens its log, leads again, and writes succeed.
        disk.Full = false;
        await TestCluster.Eventually(() => !member.Runtime.DiskFull && member.Runtime.IsLeader, "the member reopened its log and leads");
        await TestCluster.ProposeAsync(member, "after", "room");
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("v" + i, await TestCluster.ValueAsync(member, "k" + i, linearizable: true));
        }

        Assert.True(disk.FailedAppends > 0, "the disk refused appends");

        // A restart on the same data finds every acknowledged write.
        await cluster.StopMemberAsync(0);
        var restarted = await cluster.StartMemberAsync(0);
        await cluster.LeaderAsync();
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("v" + i, await TestCluster.ValueAsync(restarted, "k" + i, linearizable: true));
        }

        Assert.Equal("room", await TestCluster.ValueAsync(restarted, "after", linearizable: true));
    }

    [Theory]
    [InlineData(28, "No space left on device : '/data/wal-1.log'", true)]
    [InlineData(122, "Disk quota exceeded", true)]
    [InlineData(5, "Input/output error", false)]
    public void Out_of_space_is_told_by_the_error_code_or_message_also_inside_another_exception(int errno, string message, bool outOfSpace)
    {
        var io = new IOException(message, errno);
        Assert.Equal(outOfSpace, NodeRuntime.IsOutOfSpace(io));
        Assert.Equal(outOfSpace, NodeRuntime.IsOutOfSpace(new InvalidOperationException("the node failed in storage", io)));
        Assert.False(NodeRuntime.IsOutOfSpace(new InvalidOperationException(message)));
    }

    /// <summary>A file-system directory that, while <see cref="Full"/>, writes half of each append and then fails with ENOSPC.</summary>
    private sealed class FillingDisk
    {
        private int _failedAppends;

        public volatile bool Full;

        public int FailedAppends => Volatile.Read(ref _failedAppends);

        public IDurableDirectory Wrap(string path) => new Directory(this, new FileSystemDirectory(path));

        private IOException NoSpace(string name)
        {
            Interlocked.Increment(ref _failedAppends);
            return new IOException($"No space left on device : '{name}'", 28);
        }

        private sealed class Directory(FillingDisk disk, IDurableDirectory inner) : IDurableDirectory
        {
            public string Location => inner.Location;

            public IReadOnlyList<string> List() => inner.List();

            public bool Exists(string name) => inner.Exists(name);

            public byte[] ReadAll(string name) => inner.ReadAll(name);

            public IDurableFile OpenAppend(string name) => new File(disk, name, inner.OpenAppend(name));

            public void WriteAtomic(string name, ReadOnlySpan<byte> content)
            {
                if (disk.Full)
                {
                    throw disk.NoSpace(name);
                }

                inner.WriteAtomic(name, content);
            }

            public void Delete(string name) => inner.Delete(name);

            public void Truncate(string name, long length) => inner.Truncate(name, length);

            public void SyncDirectory() => inner.SyncDirectory();
        }

        private sealed class File(FillingDisk disk, string name, IDurableFile inner) : IDurableFile
        {
            public long Length => inner.Length;

            public void Append(ReadOnlySpan<byte> data)
            {
                if (disk.Full)
                {
                    inner.Append(data[..(data.Length / 2)]);
                    throw disk.NoSpace(name);
                }

                inner.Append(data);
            }

            public void Sync() => inner.Sync();

            public void Dispose() => inner.Dispose();
        }
    }
}
