using Kernel.Sdk.Resilience;
using Kernel.Sdk.Strategies;
using Microsoft.Extensions.Configuration;
using Polly;
using Polly.Registry;
using Polly.Telemetry;
using Polly.Timeout;

namespace UltimateResilience.Tests;

/// <summary>
/// The kernel's side of resilience for tests of the strategies alone: the predicates <c>any</c>, <c>timeout</c> and
/// <c>transient</c> (as the kernel defines them, simplified to what the tests throw) and <c>negative</c> (an int below 0).
/// </summary>
internal sealed class TestHost : IResilienceHost
{
    private static readonly Dictionary<string, ResiliencePredicate> Predicates = new()
    {
        ["any"] = ResiliencePredicate.ForException("any", e => e is not OperationCanceledException),
        ["timeout"] = ResiliencePredicate.ForException("timeout", e => e is TimeoutRejectedException or TimeoutException),
        ["transient"] = ResiliencePredicate.ForException("transient", e => e is TimeoutRejectedException or TimeoutException or IOException),
        ["negative"] = ResiliencePredicate.ForResult<int>("negative", v => v < 0),
    };

    public static TestHost Instance { get; } = new();

    public ResiliencePipelineProvider<string> Pipelines => throw new NotSupportedException();

    public void AddPredicate(ResiliencePredicate predicate) => throw new NotSupportedException();

    public ResiliencePredicate ReadPredicate(OptionReader reader, string option, params string[] defaultNames)
    {
        var found = new List<ResiliencePredicate>();
        foreach (var name in reader.Strings(option, defaultNames))
        {
            if (Predicates.TryGetValue(name, out var predicate))
            {
                found.Add(predicate);
            }
            else
            {
                reader.Fail($"Option '{option}' names predicate '{name}', which does not exist.");
            }
        }

        return found.Count == 1 ? found[0] : ResiliencePredicate.AnyOf(found);
    }

    /// <summary>A strategy of the plugin by name.</summary>
    public static T Strategy<T>(string name)
        where T : IResilienceStrategy =>
        (T)ResilienceCatalog.All(Instance).Single(s => s.Name == name);

    /// <summary>An entry's options from <c>key=value</c> pairs (arrays as <c>handle:0</c>).</summary>
    public static IConfiguration Options(params (string Key, object Value)[] pairs) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture))))
            .Build();

    public static ResilienceEntry Entry(params (string Key, object Value)[] pairs) => new("test", 0, Options(pairs));

    /// <summary>A pipeline of one entry of <paramref name="strategy"/>, on <paramref name="time"/>.</summary>
    public static ResiliencePipeline Pipeline(IResilienceStrategy strategy, TimeProvider time, TelemetryListener? listener, params (string Key, object Value)[] pairs)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time, TelemetryListener = listener };
        strategy.AddTo(builder, Entry(pairs));
        return builder.Build();
    }
}

/// <summary>Collects the names of the telemetry events a pipeline reports.</summary>
internal sealed class EventLog : TelemetryListener
{
    private readonly List<string> _events = [];

    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
    {
        lock (_events)
        {
            _events.Add(args.Event.EventName);
        }
    }
}
