namespace Kernel.Node.Runtime;

/// <summary>
/// A proposal that was taken (appended by a leader, or handed to one) whose outcome this member cannot tell: the leader
/// changed, the member stopped or failed, or the forward to the leader broke. It may or may not be applied; a client
/// retries only what is safe to apply twice.
/// </summary>
internal sealed class ProposalOutcomeUnknownException(string message) : Exception(message);
