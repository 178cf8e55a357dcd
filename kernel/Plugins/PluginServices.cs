using Microsoft.Extensions.DependencyInjection;

namespace Kernel.Host.Plugins;

/// <summary>
/// What the host sees of the services plugins add (<see cref="Kernel.Sdk.Plugins.IPluginContext.Services"/>): each
/// loaded plugin has a provider of its own, built after its <c>Register</c> and disposed when it unloads; this view asks
/// the loaded plugins' providers, in plugin id order, at each call. It caches nothing, so nothing here pins an unloaded
/// plugin; a caller that keeps a resolved instance pins its plugin and should hold it (<see cref="PluginManager.Hold(string, string)"/>).
/// </summary>
internal sealed class PluginServices(PluginManager manager) : IServiceProvider
{
    /// <summary>The first loaded plugin's service of <paramref name="serviceType"/>, or null when none offers one.</summary>
    public object? GetService(Type serviceType)
    {
        foreach (var provider in manager.ServiceProviders())
        {
            if (TryGet(provider, serviceType) is { } service)
            {
                return service;
            }
        }

        return null;
    }

    /// <summary>Every loaded plugin's services of type <typeparamref name="T"/>, in plugin id order.</summary>
    public IReadOnlyList<T> GetServices<T>()
        where T : notnull
    {
        var all = new List<T>();
        foreach (var provider in manager.ServiceProviders())
        {
            try
            {
                all.AddRange(provider.GetServices<T>());
            }
            catch (ObjectDisposedException)
            {
                // The plugin unloaded between the snapshot and the call: it offers nothing any more.
            }
        }

        return all;
    }

    private static object? TryGet(IServiceProvider provider, Type serviceType)
    {
        try
        {
            return provider.GetService(serviceType);
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }
}
