using Kernel.Sdk.Testing.Simulation;
using UltimateConsensus.Pbft;
using Xunit.Abstractions;

namespace UltimateConsensus.Tests.Pbft;

/// <summary>
/// The verifier must catch what PBFT's rules prevent: more faulty replicas than f, quorums of 2f, a new view that drops
/// prepared requests, and a client that believes f matching replies. Each test stops at the first violating seed and
/// prints how many seeds that took; the bound is what the test allows.
/// </summary>
public sealed class PbftBrokenVariantTests(ITestOutputHelper output)
{
    private const int Bound = 40;

    private void Caught(PbftStrategy strategy, int nodes, int byzantine, string faults, int? replyQuorum, string what, ByzantineBehaviors behaviors, params string[] kinds)
    {
        // Seed after seed until one shows a violation of the kinds this bug breaks (a liveness violation alone is not the point).
        for (var seed = 1; seed <= Bound; seed++)
        {
            var summary = PbftVerifyTests.Verify(strategy, nodes, byzantine, faults, seed, 1, replyQuorum: replyQuorum, behaviors: behaviors);
            if (summary.Violations.FirstOrDefault(v => kinds.Contains(v.Kind)) is { } found)
            {
                output.WriteLine($"{what}: {found.Kind} found at seed {seed}, after {seed} seed(s) (bound {Bound}): {found.Message}");
                return;
            }
        }

        Assert.Fail($"{what}: no violation of {string.Join(", ", kinds)} in {Bound} seeds");
    }

    private static readonly string[] Safety =
        [ViolationKinds.StateMachineSafety, ViolationKinds.ClientReply, ViolationKinds.Linearizability, ViolationKinds.LostAcknowledgedWrite];

    [Theory]
    [InlineData(4, 2)]
    [InlineData(7, 3)]
    public void With_f_plus_1_byzantine_replicas_verify_finds_a_safety_violation(int nodes, int byzantine) =>
        Caught(new PbftStrategy(), nodes, byzantine, "none", null, $"n={nodes} with {byzantine} Byzantine replicas",
            ByzantineBehaviors.Twins | ByzantineBehaviors.LieToClients, Safety);

    /// <summary>Twins alone, no lying: f+1 copies that each tell their side something else make two honest replicas execute different batches.</summary>
    [Theory]
    [InlineData(4, 2)]
    [InlineData(7, 3)]
    public void With_f_plus_1_twins_honest_replicas_diverge(int nodes, int byzantine) =>
        Caught(new PbftStrategy(), nodes, byzantine, "none", null, $"n={nodes} with {byzantine} Twins",
            ByzantineBehaviors.Twins, ViolationKinds.StateMachineSafety);

    [Fact]
    public void Prepared_and_committed_on_2f_votes_is_caught() =>
        Caught(new PbftStrategy(PbftFlaw.QuorumOfTwoF), 4, 1, "none", null, "quorums of 2f",
            ByzantineBehaviors.All, Safety);

    [Fact]
    public void A_new_view_that_drops_prepared_requests_is_caught() =>
        Caught(new PbftStrategy(PbftFlaw.NewViewDropsPrepared), 4, 1, "all", null, "new view dropping prepared requests",
            ByzantineBehaviors.All, Safety);

    [Fact]
    public void A_client_that_accepts_f_matching_replies_is_caught() =>
        Caught(new PbftStrategy(), 4, 1, "none", 1, "client accepting f matching replies",
            ByzantineBehaviors.All, ViolationKinds.ClientReply, ViolationKinds.Linearizability);
}
