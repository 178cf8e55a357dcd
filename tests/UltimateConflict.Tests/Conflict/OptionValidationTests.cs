namespace UltimateConflict.Tests.Conflict;

/// <summary>Each strategy reports every problem of its options at once, each message naming the option and what is allowed.</summary>
public sealed class OptionValidationTests
{
    public static TheoryData<string, string[], string[]> Bad => new()
    {
        { "last-writer-wins", ["nodePriority:0=n1", "nodePriority:1=x", "tieBreak=id"], ["'nodePriority'", "'tieBreak' is not known"] },
        { "first-writer-wins", ["nodePriority:0=n2", "nodePriority:1=2"], ["Option 'nodePriority' is [n2, 2]; expected an array of replica ids"] },
        { "vector-clock", ["maxSiblings=5000"], ["Option 'maxSiblings' is 5000; allowed range 0..1024."] },
        { "crdt-merge", ["malformed=ignore"], ["Option 'type' is required", "Option 'malformed' is 'ignore'; allowed values fail, skip."] },
        { "crdt-merge", ["type=conflict/lww"], ["Option 'type' is 'conflict/lww', a conflict strategy; expected a crdt strategy"] },
        {
            "three-way-merge",
            ["mode=words", "onConflict=ask", "fallback=crdt/g-counter", "maxLines=0"],
            ["Option 'mode' is 'words'; allowed values lines, fields.", "Option 'onConflict' is 'ask'; allowed values markers, siblings, fallback.", "Option 'fallback' is 'crdt/g-counter'", "Option 'maxLines' is 0; allowed range 1..5000."]
        },
        { "priority", ["replicas:0=n0", "fieldRules:0=price", "fieldRules:1=a => n1"], ["Option 'replicas' is [n0]", "Option 'fieldRules' has 'price'; expected \"PATTERN => n2, n1\""] },
        { "custom", ["order=random", "fallback=Bad Name"], ["Option 'resolver' is required", "Option 'order' is 'random'; allowed values canonical, as-given.", "Option 'fallback' is 'Bad Name', which is not a strategy reference"] },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void Every_problem_is_reported_at_once_naming_its_option(string strategy, string[] options, string[] expected)
    {
        var errors = ConflictStrategies.Named(strategy).ValidateOptions(TestStrategies.Options(
            [.. options.Select(o => (o[..o.IndexOf('=', StringComparison.Ordinal)], o[(o.IndexOf('=', StringComparison.Ordinal) + 1)..]))]));
        Assert.Equal(expected.Length, errors.Count);
        foreach (var (message, error) in expected.Zip(errors))
        {
            Assert.Contains(message, error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("last-writer-wins")]
    [InlineData("first-writer-wins")]
    [InlineData("vector-clock")]
    [InlineData("three-way-merge")]
    [InlineData("priority")]
    [InlineData("crdt-merge")]
    [InlineData("custom")]
    public void The_defaults_are_valid(string strategy) =>
        Assert.Empty(ConflictStrategies.Named(strategy).ValidateOptions(TestStrategies.Options()));

    [Theory]
    [InlineData("crdt-merge", "type")]
    [InlineData("custom", "resolver")]
    public void An_unconfigured_entry_is_accepted_but_makes_no_resolver(string strategy, string option)
    {
        var referencing = (Kernel.Sdk.Strategies.IReferencingStrategy)ConflictStrategies.Named(strategy);
        Assert.Empty(referencing.GetReferences(TestStrategies.Options()));
        var error = Assert.Throws<Kernel.Sdk.Strategies.StrategyOptionsException>(() => new TestStrategies().Create(ConflictStrategies.Named(strategy)));
        Assert.StartsWith($"Option '{option}' is required", Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Creating_with_bad_options_throws_every_problem()
    {
        var error = Assert.Throws<Kernel.Sdk.Strategies.StrategyOptionsException>(() =>
            new TestStrategies().Create(ConflictStrategies.Named("three-way-merge"), ("mode", "words"), ("maxLines", "x")));
        Assert.Equal(2, error.Errors.Count);
    }
}
