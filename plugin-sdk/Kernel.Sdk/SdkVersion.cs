namespace Kernel.Sdk;

/// <summary>The semantic version of this SDK. Plugins state in their manifest the range of SDK versions they accept.</summary>
public static class SdkVersion
{
    /// <summary>The SDK version the running kernel provides.</summary>
    public static Version Current { get; } = typeof(SdkVersion).Assembly.GetName().Version is { } v
        ? new Version(v.Major, v.Minor, v.Build)
        : new Version(2, 0, 0);
}
