using System.Buffers.Binary;

using Kernel.Sdk.Cluster;

namespace Kernel.Sdk.Consensus;

/// <summary>
/// The members of a cluster: voters count towards quorums, learners only receive the log. How many voters make a quorum
/// is the protocol's rule (<see cref="ConsensusCapabilities.Quorum"/>), not the membership's.
/// </summary>
public sealed class Membership : IEquatable<Membership>
{
    /// <summary>Creates a membership; ids are kept sorted and distinct.</summary>
    public Membership(IEnumerable<NodeId> voters, IEnumerable<NodeId>? learners = null)
    {
        Voters = voters.Distinct().Order().ToArray();
        Learners = (learners ?? []).Distinct().Where(l => !Voters.Contains(l)).Order().ToArray();
    }

    /// <summary>Voting members, sorted.</summary>
    public IReadOnlyList<NodeId> Voters { get; }

    /// <summary>Non-voting members, sorted.</summary>
    public IReadOnlyList<NodeId> Learners { get; }

    /// <summary>Voters then learners.</summary>
    public IEnumerable<NodeId> All => Voters.Concat(Learners);

    /// <summary>True if the node votes.</summary>
    public bool IsVoter(NodeId id) => Voters.Contains(id);

    /// <summary>True if the node votes or learns.</summary>
    public bool Contains(NodeId id) => Voters.Contains(id) || Learners.Contains(id);

    /// <summary>Encodes the membership (count of voters, ids, count of learners, ids; little-endian int32).</summary>
    public byte[] Encode()
    {
        var buffer = new byte[4 * (2 + Voters.Count + Learners.Count)];
        var span = buffer.AsSpan();
        var offset = 0;
        Write(span, ref offset, Voters);
        Write(span, ref offset, Learners);
        return buffer;

        static void Write(Span<byte> span, ref int offset, IReadOnlyList<NodeId> ids)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[offset..], ids.Count);
            offset += 4;
            foreach (var id in ids)
            {
                BinaryPrimitives.WriteInt32LittleEndian(span[offset..], id.Value);
                offset += 4;
            }
        }
    }

    /// <summary>Decodes what <see cref="Encode"/> wrote; throws <see cref="FormatException"/> on malformed input.</summary>
    public static Membership Decode(ReadOnlySpan<byte> data)
    {
        var offset = 0;
        var voters = Read(data, ref offset);
        var learners = Read(data, ref offset);
        return new Membership(voters, learners);

        static List<NodeId> Read(ReadOnlySpan<byte> data, ref int offset)
        {
            if (data.Length - offset < 4)
            {
                throw new FormatException("Membership record is truncated.");
            }

            var count = BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
            offset += 4;
            if (count < 0 || count > (data.Length - offset) / 4)
            {
                throw new FormatException($"Membership record claims {count} ids but holds {(data.Length - offset) / 4}.");
            }

            var ids = new List<NodeId>(count);
            for (var i = 0; i < count; i++)
            {
                ids.Add(new NodeId(BinaryPrimitives.ReadInt32LittleEndian(data[offset..])));
                offset += 4;
            }

            return ids;
        }
    }

    /// <inheritdoc />
    public bool Equals(Membership? other) =>
        other is not null && Voters.SequenceEqual(other.Voters) && Learners.SequenceEqual(other.Learners);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Membership);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var id in All)
        {
            hash.Add(id);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc />
    /// <remarks>As traces and transcripts print it: <c>voters=(1,2,3) learners=(4)</c>.</remarks>
    public override string ToString()
    {
        var text = "voters=(" + string.Join(",", Voters.Select(v => v.Value)) + ")";
        return Learners.Count > 0 ? text + " learners=(" + string.Join(",", Learners.Select(l => l.Value)) + ")" : text;
    }
}

/// <summary>A change to the membership, proposed through <see cref="IConsensusNode.ProposeMembershipChange"/>.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Node">Which node.</param>
public readonly record struct MembershipChange(MembershipChangeKind Kind, NodeId Node);

/// <summary>Single-server membership changes.</summary>
public enum MembershipChangeKind
{
    /// <summary>Adds a non-voting member that receives the log.</summary>
    AddLearner,

    /// <summary>Makes a learner (or a new node) a voter. Implementations promote a learner only once it has caught up.</summary>
    AddVoter,

    /// <summary>Removes a voter or learner.</summary>
    Remove,
}
