using System.Buffers;
using Kernel.Sdk.Consensus;
using UltimateConsensus.Pbft;

namespace UltimateConsensus.Tests.Pbft;

/// <summary>Replicas wired to each other in memory, every message through the codec, for the tests of PBFT's rules.</summary>
internal static class PbftLoopback
{
    /// <summary>A message encoded and decoded again, as a link would carry it.</summary>
    public static PbftMessage RoundTrip(PbftMessage m)
    {
        var buffer = new ArrayBufferWriter<byte>();
        PbftCodec.Instance.Encode(m, buffer);
        return (PbftMessage)PbftCodec.Instance.Decode(buffer.WrittenSpan);
    }

    /// <summary>
    /// Runs the replicas (replica i at index i − 1) until no message is in flight: each Ready goes to
    /// <paramref name="onReady"/>, its messages are delivered in order (those <paramref name="deliver"/> refuses are
    /// lost), and the replica is advanced.
    /// </summary>
    public static void Run(IReadOnlyList<PbftNode> nodes, Action<PbftNode, Ready> onReady, Func<PbftMessage, bool>? deliver = null)
    {
        var inFlight = new Queue<PbftMessage>();
        void Collect(PbftNode n)
        {
            while (n.HasReady)
            {
                var ready = n.GetReady();
                onReady(n, ready);
                foreach (var m in ready.Messages.Cast<PbftMessage>())
                {
                    if (deliver is null || deliver(m))
                    {
                        inFlight.Enqueue(RoundTrip(m));
                    }
                }

                n.Advance(ready);
            }
        }

        foreach (var n in nodes)
        {
            Collect(n);
        }

        while (inFlight.TryDequeue(out var m))
        {
            var to = nodes[m.To.Value - 1];
            to.Step(m);
            Collect(to);
        }
    }
}
