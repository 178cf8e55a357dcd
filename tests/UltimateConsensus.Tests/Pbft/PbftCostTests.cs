using System.Security.Cryptography;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using UltimateConsensus.Pbft;

namespace UltimateConsensus.Tests.Pbft;

/// <summary>
/// What a request costs four honest replicas in the normal case, counted, not timed: messages of each phase and HMAC
/// computations (one to sign each message on its link, one to check it on arrival). Castro and Liskov's normal case for
/// one batch at n = 4: a pre-prepare to 3 backups, a prepare from each backup to 3 others, a commit from each replica to
/// 3 others; a checkpoint from each replica to 3 others every checkpoint interval. Requests that arrive while a batch is
/// in flight wait and go together (one batch in flight here), so the cost per request falls with the load.
/// </summary>
public sealed class PbftCostTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly NodeId[] Ids = [new(1), new(2), new(3), new(4)];

    private sealed class CountingKeys(NodeId self) : ILinkKeys
    {
        public static int Uses;

        public ReadOnlyMemory<byte> KeyFor(NodeId peer)
        {
            Interlocked.Increment(ref Uses);
            return SHA256.HashData([(byte)Math.Min(self.Value, peer.Value), (byte)Math.Max(self.Value, peer.Value)]);
        }
    }

    private static byte[] Request(long client, long ts) => [0x4B, .. BitConverter.GetBytes(client), .. BitConverter.GetBytes(ts), 1, 2, 3];

    [Theory]
    [InlineData(1, 1)]
    [InlineData(8, 8)]
    [InlineData(64, 8)]
    public void The_normal_case_costs_what_the_paper_counts(int requests, int batch)
    {
        CountingKeys.Uses = 0;
        var membership = new Membership(Ids);
        var options = new PbftOptions { MaxBatchRequests = batch, MaxInflightBatches = 1, CheckpointInterval = 8 };
        var nodes = Ids.Select(id => new PbftNode(id, membership, RecoveredState.Empty, options, new CountingKeys(id), PbftFlaw.None)).ToArray();
        var executed = Ids.ToDictionary(id => id, _ => 0);
        var sent = new Dictionary<string, int>();

        // The client protocol: every request goes to every replica (the primary orders it, backups watch for it).
        for (var r = 0; r < requests; r++)
        {
            foreach (var n in nodes)
            {
                n.Propose(Request(r + 1, 1));
            }
        }

        PbftLoopback.Run(nodes, (n, ready) =>
        {
            executed[n.Id] += ready.CommittedEntries.Count(e => e.Kind == EntryKind.Command);
            foreach (var m in ready.Messages)
            {
                sent[m.GetType().Name] = sent.GetValueOrDefault(m.GetType().Name) + 1;
            }
        });

        Assert.All(Ids, id => Assert.Equal(requests, executed[id]));
        // One batch in flight: the first request goes alone, the ones that arrive meanwhile wait and go together.
        var batches = 1 + ((requests - 1 + batch - 1) / batch);
        var checkpoints = batches / options.CheckpointInterval;
        Assert.Equal(3 * batches, sent.GetValueOrDefault(nameof(PrePrepare)));
        Assert.Equal(9 * batches, sent.GetValueOrDefault(nameof(Prepare)));
        Assert.Equal(12 * batches, sent.GetValueOrDefault(nameof(Commit)));
        Assert.Equal(12 * checkpoints, sent.GetValueOrDefault(nameof(Checkpoint)));
        var messages = sent.Values.Sum();
        Assert.Equal(messages, (3 + 9 + 12) * batches + (12 * checkpoints)); // nothing else: no retransmission, no view change
        Assert.Equal(2 * messages, CountingKeys.Uses); // one HMAC to sign, one to check, per message

        output.WriteLine($"{requests} requests in batches of {batch}: {messages} messages ({(double)messages / requests:0.##} a request), " +
            $"{CountingKeys.Uses} HMAC computations ({(double)CountingKeys.Uses / requests:0.##} a request); by kind: {string.Join(", ", sent.Select(p => $"{p.Key} {p.Value}"))}");
    }
}
