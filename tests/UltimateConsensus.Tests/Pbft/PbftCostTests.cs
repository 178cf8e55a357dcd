using System.Buffers;
using System.Security.Cryptography;
using Kernel.Sdk.Cluster;
using Kernel.Sdk.Consensus;
using UltimateConsensus.Pbft;
using Xunit.Abstractions;
using RaftCluster = UltimateConsensus.Tests.Raft.TestCluster;

namespace UltimateConsensus.Tests.Pbft;

/// <summary>
/// What one committed request costs at n = 4, counted (not timed) on a lossless network with no ticks, so nothing is
/// retransmitted: PBFT's messages and MAC computations (one HMAC per message sent, one per message checked), beside
/// Raft's messages per commit. Printed, and asserted against the protocols' own arithmetic.
/// </summary>
public sealed class PbftCostTests(ITestOutputHelper output)
{
    private const int N = 4;

    /// <summary>Counts the MACs a replica computes: the node takes its link's key once per MAC it computes or checks.</summary>
    private sealed class CountingKeys(NodeId self) : ILinkKeys
    {
        public static int Calls;

        public ReadOnlyMemory<byte> KeyFor(NodeId peer)
        {
            Interlocked.Increment(ref Calls);
            return SHA256.HashData([(byte)Math.Min(self.Value, peer.Value), (byte)Math.Max(self.Value, peer.Value)]);
        }
    }

    [Fact]
    public void Pbft_and_raft_messages_and_macs_per_committed_request_at_n_4()
    {
        var one = Pbft(requests: 1);
        var eight = Pbft(requests: 8);
        var raftOne = Raft(requests: 1);
        var raftEight = Raft(requests: 8);
        output.WriteLine($"pbft n=4, 1 request:  {one.Messages} messages, {one.Macs} MACs, {one.Batches} batch(es) -> {one.Messages / 1.0:F1} messages and {one.Macs / 1.0:F1} MACs per request");
        output.WriteLine($"pbft n=4, 8 requests: {eight.Messages} messages, {eight.Macs} MACs, {eight.Batches} batch(es) -> {eight.Messages / 8.0:F1} messages and {eight.Macs / 8.0:F1} MACs per request");
        output.WriteLine($"raft n=4, 1 command:  {raftOne} messages per commit");
        output.WriteLine($"raft n=4, 8 commands: {raftEight} messages -> {raftEight / 8.0:F1} per command");

        // Per batch: a pre-prepare to n-1 backups, a prepare from each backup to the n-1 others, a commit from every
        // replica to the n-1 others; each message is MAC'd once by its sender and checked once by its receiver.
        var perBatch = (N - 1) + ((N - 1) * (N - 1)) + (N * (N - 1));
        Assert.Equal(24, perBatch);
        Assert.Equal((perBatch, 2 * perBatch, 1), (one.Messages, one.Macs, one.Batches));
        // Eight requests at once: batches [1], [2] (two in flight), then the other six in one.
        Assert.Equal((3 * perBatch, 6 * perBatch, 3), (eight.Messages, eight.Macs, eight.Batches));

        // Raft: an append to each of the n-1 followers and its acknowledgement.
        Assert.Equal(2 * (N - 1), raftOne);
        Assert.True(raftEight <= 8 * 2 * (N - 1), $"raft sent {raftEight} messages for 8 commands");
    }

    private static (int Messages, int Macs, int Batches) Pbft(int requests)
    {
        var membership = new Membership(Enumerable.Range(1, N).Select(i => new NodeId(i)));
        var nodes = membership.Voters.Select(id => new PbftNode(id, membership, RecoveredState.Empty, new PbftOptions(), new CountingKeys(id), PbftFlaw.None)).ToArray();
        var queue = new Queue<PbftMessage>();
        var messages = 0;
        var executed = new int[N];
        var batches = 0;
        void Collect(PbftNode n)
        {
            while (n.HasReady)
            {
                var ready = n.GetReady();
                executed[n.Id.Value - 1] += ready.CommittedEntries.Count(e => e.Kind == EntryKind.Command);
                if (n.Id.Value == 1)
                {
                    batches += ready.CommittedEntries.Count(e => e.Kind == EntryKind.Noop);
                }

                foreach (var m in ready.Messages.Cast<PbftMessage>())
                {
                    messages++;
                    queue.Enqueue(RoundTrip(m));
                }

                n.Advance(ready);
            }
        }

        CountingKeys.Calls = 0;
        for (var r = 1; r <= requests; r++)
        {
            // A ReplicaQuorum client sends each request to every replica.
            foreach (var n in nodes)
            {
                n.Propose((byte[])[0x4B, .. BitConverter.GetBytes(100L + r), .. BitConverter.GetBytes(1L), 1, 2, 3]);
            }
        }

        foreach (var n in nodes)
        {
            Collect(n);
        }

        while (queue.TryDequeue(out var m))
        {
            var to = nodes[m.To.Value - 1];
            to.Step(m);
            Collect(to);
        }

        Assert.All(executed, e => Assert.Equal(requests, e));
        return (messages, CountingKeys.Calls, batches);
    }

    private static int Raft(int requests)
    {
        var cluster = new RaftCluster(N);
        cluster.Elect(1);
        cluster.Propose("warm-up"); // the new leader's first entry settles followers' progress
        cluster.Stabilize();
        var before = cluster.Sent.Count;
        for (var r = 0; r < requests; r++)
        {
            Assert.True(cluster.Propose("c" + r).Accepted);
        }

        cluster.Stabilize();
        Assert.All(cluster.Nodes.Values, n => Assert.Equal(cluster[1].Status.Commit, n.Status.Commit));
        return cluster.Sent.Count - before;
    }

    private static PbftMessage RoundTrip(PbftMessage m)
    {
        var buffer = new ArrayBufferWriter<byte>();
        PbftCodec.Instance.Encode(m, buffer);
        return (PbftMessage)PbftCodec.Instance.Decode(buffer.WrittenSpan);
    }
}
