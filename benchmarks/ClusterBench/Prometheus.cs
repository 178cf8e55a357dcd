using System.Globalization;

namespace ClusterBench;

/// <summary>Reads Prometheus text exposition: the sum of a metric's samples over all its label sets.</summary>
internal static class Prometheus
{
    public static double Sum(string text, string metric)
    {
        var sum = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length <= metric.Length || !line.StartsWith(metric, StringComparison.Ordinal) || line[metric.Length] is not ('{' or ' '))
            {
                continue;
            }

            var value = line[(line.LastIndexOf(' ') + 1)..].Trim();
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                sum += v;
            }
        }

        return sum;
    }
}
