namespace Kernel.Sdk.Plugins;

/// <summary>
/// The entry point of a plugin. The kernel creates the one public non-abstract type of the entry assembly
/// that implements this interface (it needs a public parameterless constructor) and calls <see cref="Register"/> once per load.
/// </summary>
public interface IPlugin
{
    /// <summary>Registers the plugin's strategies and bus subscriptions. Throwing here marks the plugin failed; nothing it registered stays.</summary>
    void Register(IPluginContext context);
}
