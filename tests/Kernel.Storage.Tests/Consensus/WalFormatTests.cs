using System.Security.Cryptography;

using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Storage.Consensus;

namespace Kernel.Storage.Tests.Consensus;

/// <summary>
/// The WAL's bytes on disk are a format: logs written before it moved into the storage library must open after, so a
/// fixed scenario must leave exactly the files the plugin's own WAL left (hashes taken from that implementation).
/// </summary>
public sealed class WalFormatTests
{
    private static readonly Dictionary<string, string> Expected = new()
    {
        ["snapshot"] = "0d1cc2df5f7b2c0fd24e919e56e19c7b5b1da72a73f051da983ad3e3026d25c8", // 35 bytes
        ["wal-0000000003.log"] = "733c868742938a88fa44aace25063e2df363d0dc942777445cf0e45797141012", // 316 bytes
        ["wal-0000000004.log"] = "96b8438754f3c43e4913addb80d573983694a26f0987450253a934524e26cbae", // 384 bytes
        ["wal-0000000005.log"] = "2db1f87ff56a738c7db4ed9fed7e5886a826506aab8e223b4f41e7f333c81495", // 169 bytes
    };

    [Fact]
    public void AFixedScenarioWritesTheSameBytesAsBeforeTheMove()
    {
        var dir = new SimDirectory();
        var membership = new Membership([new NodeId(1), new NodeId(2), new NodeId(3)]);
        using (var wal = WalStorage.Open(dir, segmentBytes: 300))
        {
            wal.SaveHardState(Hs(1, 1, 0));
            for (var i = 1; i <= 30; i++)
            {
                wal.Append([E(i, 1 + (i / 10))]);
                if (i % 7 == 0)
                {
                    wal.SaveHardState(Hs(1 + (i / 10), 1, i - 1));
                }
            }

            wal.Append([new LogEntry(31, 4, EntryKind.Membership, membership.Encode())]);
            wal.Append(Enumerable.Range(25, 4).Select(i => E(i, 5)).ToArray());
            wal.Sync();
            wal.SaveSnapshot(new Snapshot(20, 3, membership, new byte[] { 1, 2, 3 }));
            wal.Append(Enumerable.Range(29, 4).Select(i => E(i, 5)).ToArray());
            wal.SaveHardState(Hs(5, 2, 30));
            wal.Sync();
        }

        Assert.Equal(Expected, dir.List().ToDictionary(n => n, n => Convert.ToHexStringLower(SHA256.HashData(dir.ReadAll(n)))));
        using var reopened = WalStorage.Open(dir, segmentBytes: 300);
        Assert.Equal((20L, 21L, 32L), (reopened.Recovered.Snapshot!.Index, reopened.Recovered.Entries[0].Index, reopened.Recovered.Entries[^1].Index));
        Assert.Equal(Hs(5, 2, 30), reopened.Recovered.HardState.ToArray());
    }

    private static byte[] Hs(long term, int vote, long commit) => new HardState(term, new NodeId(vote), commit).Encode();

    private static LogEntry E(long i, long t) => new(i, t, EntryKind.Command, System.Text.Encoding.UTF8.GetBytes($"entry {i} of term {t}"));
}
