using Kernel.Sdk.Testing.Linearizability;

namespace Kernel.Sdk.Testing.Tests.Linearizability;

/// <summary>Histories that are expensive to check, for budget tests (also compiled into Kernel.Tests, for check-history's).</summary>
internal static class HardHistories
{
    /// <summary>Many concurrent appends and an impossible read: the search must explore many orders before failing.</summary>
    internal static History HardHistory(int writers)
    {
        var b = new HistoryBuilder();
        for (var p = 0; p < writers; p++)
        {
            b.Invoke(p, "append", "k", ((char)('a' + p)).ToString());
        }

        b.Invoke(writers, "get", "k");
        for (var p = 0; p < writers; p++)
        {
            b.Ok(p);
        }

        return b.Ok(writers, "never-written").Build();
    }
}
