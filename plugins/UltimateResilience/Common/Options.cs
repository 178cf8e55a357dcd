using Kernel.Sdk.Strategies;

namespace UltimateResilience.Common;

/// <summary>Option readings every family shares.</summary>
internal static class Options
{
    /// <summary>A duration given in milliseconds.</summary>
    public static TimeSpan Millis(this OptionReader reader, string name, long defaultValue, long min, long max) =>
        TimeSpan.FromMilliseconds(reader.Long(name, defaultValue, min, max));

    /// <summary>An optional seed (absent: null, Polly's own randomizer).</summary>
    public static int? Seed(this OptionReader reader)
    {
        var seed = reader.Long("seed", -1, -1, int.MaxValue);
        return seed < 0 ? null : (int)seed;
    }

    /// <summary>
    /// Polly's randomizer for a seed: a seeded <see cref="Random"/> behind a lock (executions may run concurrently), or
    /// null to keep Polly's default.
    /// </summary>
    public static Func<double>? Randomizer(int? seed)
    {
        if (seed is not { } value)
        {
            return null;
        }

        var random = new Random(value);
        var gate = new Lock();
        return () =>
        {
            lock (gate)
            {
                return random.NextDouble();
            }
        };
    }
}
