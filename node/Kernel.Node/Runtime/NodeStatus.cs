namespace Kernel.Node.Runtime;

/// <summary>A member's view of its cluster at one moment (etcd's response headers, member list and endpoint status read it).</summary>
/// <param name="ClusterId">The cluster's id (derived from the initial cluster and its token).</param>
/// <param name="MemberId">This member's id.</param>
/// <param name="LeaderId">The leader's member id, or 0 when none is known.</param>
/// <param name="Term">The consensus term (or ballot, epoch, view) this member is in.</param>
/// <param name="CommitIndex">The highest log index known committed.</param>
/// <param name="AppliedIndex">The highest log index applied to the state machine.</param>
/// <param name="Members">Every member of the cluster.</param>
internal sealed record NodeStatus(ulong ClusterId, ulong MemberId, ulong LeaderId, long Term, long CommitIndex, long AppliedIndex, IReadOnlyList<MemberInfo> Members);

/// <summary>One member as etcd's member list shows it.</summary>
/// <param name="Id">The member id.</param>
/// <param name="Name">Its name (<c>--name</c>).</param>
/// <param name="PeerUrls">Where other members reach it.</param>
/// <param name="ClientUrls">Where clients reach it.</param>
/// <param name="IsLearner">True for a non-voting member.</param>
internal sealed record MemberInfo(ulong Id, string Name, IReadOnlyList<string> PeerUrls, IReadOnlyList<string> ClientUrls, bool IsLearner);
