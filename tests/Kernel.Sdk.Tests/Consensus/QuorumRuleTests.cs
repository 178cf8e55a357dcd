using Kernel.Sdk.Consensus;

namespace Kernel.Sdk.Tests.Consensus;

/// <summary>The protocol-owned quorum rules: majorities for crash faults, 2f+1 of 3f+1 for Byzantine ones.</summary>
public sealed class QuorumRuleTests
{
    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(2, 2, 0)]
    [InlineData(3, 2, 1)]
    [InlineData(4, 3, 1)]
    [InlineData(5, 3, 2)]
    [InlineData(7, 4, 3)]
    public void A_majority_is_more_than_half(int voters, int size, int tolerated)
    {
        Assert.Equal(size, QuorumRule.Majority.Size(voters));
        Assert.Equal(tolerated, QuorumRule.Majority.FaultsTolerated(voters));
    }

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(3, 2, 0)]
    [InlineData(4, 3, 1)]
    [InlineData(6, 4, 1)]
    [InlineData(7, 5, 2)]
    [InlineData(10, 7, 3)]
    public void A_byzantine_quorum_is_2f_plus_1_for_the_f_that_n_tolerates(int voters, int size, int tolerated)
    {
        Assert.Equal(size, QuorumRule.Byzantine.Size(voters));
        Assert.Equal(tolerated, QuorumRule.Byzantine.FaultsTolerated(voters));
    }

    [Fact]
    public void Two_byzantine_quorums_share_an_honest_voter_and_the_honest_voters_make_one()
    {
        var rule = QuorumRule.Byzantine;
        for (var n = 1; n <= 31; n++)
        {
            var q = rule.Size(n);
            var f = rule.FaultsTolerated(n);

            // |Q1 ∩ Q2| ≥ 2q - n must exceed f (safety), and n - f honest voters must reach q (liveness).
            Assert.True((2 * q) - n > f, $"two quorums of {q} among {n} voters may share only faulty ones");
            Assert.True(n - f >= q, $"the {n - f} honest voters of {n} cannot make a quorum of {q}");
        }
    }

    [Fact]
    public void Two_majorities_always_intersect()
    {
        for (var n = 1; n <= 15; n++)
        {
            Assert.True(2 * QuorumRule.Majority.Size(n) > n, $"two majorities of {n} voters do not intersect");
        }
    }
}
