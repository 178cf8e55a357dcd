using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Tests.Strategies;

public sealed class OptionReaderTests
{
    [Theory]
    [InlineData("conflict/lww", "lww")]
    [InlineData("lww-by-node", "lww-by-node")]
    public void A_reference_is_read_with_or_without_its_category(string text, string name)
    {
        var reader = new OptionReader(Options(("resolver", text)));
        var reference = reader.Reference("resolver", StrategyCategory.Conflict);
        Assert.Empty(reader.Errors);
        Assert.Equal(new StrategyReference("resolver", StrategyCategory.Conflict, name), reference);
        Assert.Equal($"conflict/{name}", reference!.Key);
        Assert.Equal([reference], reader.References);
    }

    [Theory]
    [InlineData("crdt/g-counter", "Option 'resolver' is 'crdt/g-counter', a crdt strategy; expected a conflict strategy, written conflict/NAME.")]
    [InlineData("conflict/LWW", "Option 'resolver' is 'conflict/LWW', which is not a strategy reference; expected a conflict strategy, written conflict/NAME (names use lower-case letters, digits and '-', starting with a letter).")]
    [InlineData("nope/x", "Option 'resolver' is 'nope/x', which is not a strategy reference; expected a conflict strategy, written conflict/NAME (names use lower-case letters, digits and '-', starting with a letter).")]
    public void A_malformed_reference_or_one_of_another_category_is_a_problem(string text, string message)
    {
        var reader = new OptionReader(Options(("resolver", text)));
        Assert.Null(reader.Reference("resolver", StrategyCategory.Conflict));
        Assert.Equal([message], reader.Errors);
        Assert.Empty(reader.References);
    }

    [Fact]
    public void Bind_reports_every_problem_at_once_and_Validate_returns_them()
    {
        static (int Size, bool On) Read(OptionReader r) => (r.Int("size", 3, 1, 9), r.Bool("on", false));
        var options = Options(("size", "12"), ("on", "maybe"), ("colour", "red"));
        var error = Assert.Throws<StrategyOptionsException>(() => OptionReader.Bind(options, Read));
        Assert.Equal(3, error.Errors.Count);
        Assert.Equal(error.Errors, OptionReader.Validate(options, Read));
        Assert.Contains("Option 'colour' is not known; known options: on, size.", error.Errors);
        Assert.Equal((5, true), OptionReader.Bind(Options(("size", "5"), ("on", "true")), Read));
    }

    private static IConfiguration Options(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
