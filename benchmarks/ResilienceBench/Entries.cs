using System.Text;
using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;
using Polly;
using Polly.Registry;
using UltimateResilience;

namespace ResilienceBench;

/// <summary>
/// Builds pipelines the way the kernel does: each entry of a <c>plugins.json</c>-shaped pipeline added with
/// <see cref="IResilienceStrategy.AddTo"/> from its options (JSON), with the kernel's predicates <c>any</c> and <c>transient</c>.
/// </summary>
public sealed class Entries : IResilienceHost
{
    private static readonly Dictionary<string, ResiliencePredicate> Predicates = new()
    {
        ["any"] = ResiliencePredicate.ForException("any", e => e is not OperationCanceledException),
        ["transient"] = ResiliencePredicate.ForException("transient", e => e is TimeoutException or IOException),
    };

    private static readonly Entries Host = new();

    public ResiliencePipelineProvider<string> Pipelines => throw new NotSupportedException();

    public void AddPredicate(ResiliencePredicate predicate) => throw new NotSupportedException();

    public ResiliencePredicate ReadPredicate(OptionReader reader, string option, params string[] defaultNames)
    {
        var found = reader.Strings(option, defaultNames).Select(n => Predicates[n]).ToList();
        return found.Count == 1 ? found[0] : ResiliencePredicate.AnyOf(found);
    }

    /// <summary>A pipeline of <paramref name="entries"/>: (strategy name, options as JSON), outermost first.</summary>
    public static ResiliencePipeline Build(params (string Strategy, string Options)[] entries)
    {
        var catalog = ResilienceCatalog.All(Host).OfType<IResilienceStrategy>().ToDictionary(s => s.Name);
        var builder = new ResiliencePipelineBuilder { TimeProvider = TimeProvider.System };
        for (var i = 0; i < entries.Length; i++)
        {
            var strategy = catalog[entries[i].Strategy];
            var options = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(entries[i].Options))).Build();
            var errors = strategy.ValidateOptions(options);
            if (errors.Count > 0)
            {
                throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
            }

            strategy.AddTo(builder, new ResilienceEntry("bench", i, options));
        }

        return builder.Build();
    }
}
