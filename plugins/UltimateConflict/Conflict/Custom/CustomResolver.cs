using Kernel.Sdk.Conflict;

namespace UltimateConflict.Conflict.Custom;

/// <summary>
/// Resolves through another plugin's resolver: versions handed over in canonical order (unless <c>as-given</c>), the
/// explanation prefixed with the route, a failure sent to the fallback (recorded) or reported naming who failed.
/// </summary>
internal sealed class CustomResolver(string instance, bool canonical, (string Key, IConflictResolver Resolver) inner, (string Key, IConflictResolver Resolver)? fallback)
    : IConflictResolver
{
    public Resolution Resolve(Kernel.Sdk.Conflict.Conflict conflict)
    {
        ArgumentNullException.ThrowIfNull(conflict);
        var handed = canonical ? conflict with { Versions = Versions.Distinct(conflict.Versions) } : conflict;
        Resolution resolution;
        try
        {
            resolution = inner.Resolver.Resolve(handed);
        }
        catch (Exception e) when (fallback is { } f)
        {
            var recovered = f.Resolver.Resolve(handed);
            return Resolution.Siblings(
                recovered.Kept,
                $"conflict/{instance}: {inner.Key} failed ({e.GetType().Name}: {e.Message}); fell back to {f.Key}: {recovered.Explanation}");
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"conflict/{instance}: resolver {inner.Key} failed on key '{conflict.Key}': {e.Message}", e);
        }

        return Resolution.Siblings(resolution.Kept, $"conflict/{instance} via {inner.Key}: {resolution.Explanation}");
    }
}
