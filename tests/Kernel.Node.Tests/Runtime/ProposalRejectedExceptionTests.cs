using Kernel.Node.Runtime;
using Xunit;

namespace Kernel.Node.Tests.Runtime;

public sealed class ProposalRejectedExceptionTests
{
    [Fact]
    public void Carries_its_reason_and_message()
    {
        var ex = new ProposalRejectedException(RejectionReason.TooManyRequests, "etcdserver: too many requests");
        Assert.Equal(RejectionReason.TooManyRequests, ex.Reason);
        Assert.Equal("etcdserver: too many requests", ex.Message);
    }
}
