using System.Net;
using System.Net.Sockets;
using Kernel.Host.Resilience;
using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Kernel.Tests.Resilience;

public sealed class PredicateRegistryTests
{
    public static TheoryData<Exception, bool> TransientCases => new()
    {
        { new TimeoutRejectedException(), true },
        { new TimeoutException(), true },
        { new HttpRequestException("reset"), true },
        { new HttpRequestException("busy", null, HttpStatusCode.ServiceUnavailable), true },
        { new HttpRequestException("slow down", null, HttpStatusCode.TooManyRequests), true },
        { new HttpRequestException("no such page", null, HttpStatusCode.NotFound), false },
        { new SocketException(), true },
        { new IOException("pipe broken"), true },
        { new FileNotFoundException(), false },
        { new DirectoryNotFoundException(), false },
        { new BrokenCircuitException(), false },
        { new InvalidOperationException(), false },
        { new OperationCanceledException(), false },
    };

    [Theory]
    [MemberData(nameof(TransientCases))]
    public void Transient_is_what_trying_again_may_cure(Exception exception, bool transient) =>
        Assert.Equal(transient, PredicateRegistry.Transient.Matches(Outcome.FromException<object>(exception)));

    [Fact]
    public void Any_is_every_exception_but_cancellation_and_never_a_result()
    {
        Assert.True(PredicateRegistry.Any.Matches(Outcome.FromException<int>(new InvalidOperationException())));
        Assert.False(PredicateRegistry.Any.Matches(Outcome.FromException<int>(new OperationCanceledException())));
        Assert.False(PredicateRegistry.Any.Matches(Outcome.FromResult(-1)));
    }

    [Fact]
    public void A_name_is_read_from_a_string_or_an_array_and_an_unknown_one_lists_those_that_exist()
    {
        var registry = new PredicateRegistry();
        registry.Add("p", [ResiliencePredicate.ForResult<int>("negative-result", v => v < 0)]);

        var reader = new OptionReader(Options(("handle:0", "timeout"), ("handle:1", "negative-result")));
        var both = registry.Read(reader, "handle", ["any"]);
        Assert.Empty(reader.Errors);
        Assert.True(both.Matches(Outcome.FromResult<object>(-2)));
        Assert.True(both.Matches(Outcome.FromException<object>(new TimeoutRejectedException())));
        Assert.False(both.Matches(Outcome.FromException<object>(new IOException())));

        reader = new OptionReader(Options(("handle", "flaky")));
        registry.Read(reader, "handle", ["any"]);
        Assert.Equal(["Option 'handle' names predicate 'flaky', which does not exist; predicates: any, negative-result, timeout, transient."], reader.Errors);

        registry.RemovePlugin("p");
        reader = new OptionReader(Options(("handle", "negative-result")));
        registry.Read(reader, "handle", ["any"]);
        Assert.Single(reader.Errors);
    }

    [Fact]
    public void A_plugin_cannot_take_a_name_held_by_the_kernel_or_another_plugin_nor_a_malformed_one()
    {
        var registry = new PredicateRegistry();
        registry.Add("p", [ResiliencePredicate.ForResult<int>("negative-result", v => v < 0)]);

        Assert.Equal("predicate 'transient' is already registered by the kernel", registry.CheckNew("q", ResiliencePredicate.ForException("transient", _ => true)));
        Assert.Equal("predicate 'negative-result' is already registered by plugin p", registry.CheckNew("q", ResiliencePredicate.ForResult<int>("negative-result", _ => true)));
        Assert.Equal("predicate name 'Bad Name' is invalid: use lower-case letters, digits and '-', starting with a letter", registry.CheckNew("q", ResiliencePredicate.ForException("Bad Name", _ => true)));
        Assert.Null(registry.CheckNew("p", ResiliencePredicate.ForResult<int>("negative-result", _ => true)));
    }

    private static IConfiguration Options(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
