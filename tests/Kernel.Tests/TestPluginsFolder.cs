using Kernel.Host.Configuration;
using Kernel.Host.Hosting;
using Kernel.Host.Plugins;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests;

/// <summary>A temporary plugins folder filled with copies of the plugins the build deployed under testplugins/.</summary>
internal sealed class TestPluginsFolder : IDisposable
{
    public TestPluginsFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "kernel-tests-" + Guid.NewGuid().ToString("N"));
        Folder = Path.Combine(Root, "plugins");
        Directory.CreateDirectory(Folder);
    }

    public static string Deployed => Path.Combine(AppContext.BaseDirectory, "testplugins");

    public string Root { get; }

    public string Folder { get; }

    /// <summary>Copies a deployed plugin into the folder, under <paramref name="folderName"/> (default: its own name).</summary>
    public string Add(string plugin, string? folderName = null)
    {
        var source = Path.Combine(Deployed, plugin);
        Assert.True(Directory.Exists(source), $"the build did not deploy {plugin} to {source}");
        var target = Path.Combine(Folder, folderName ?? plugin);
        CopyDirectory(source, target);
        return target;
    }

    public string WriteConfig(string json)
    {
        var path = Path.Combine(Root, "plugins.json");
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>A runtime over this folder, with plugins.json from <paramref name="configJson"/> (none when null).</summary>
    public KernelRuntime CreateRuntime(string? configJson = null, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        var path = WriteConfig(configJson ?? "{}");
        var config = KernelConfig.Load(path, Folder, []);
        return new KernelRuntime(config, loggerFactory ?? NullLoggerFactory.Instance, timeProvider);
    }

    public static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest, overwrite: true);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a collectible context that is not collected yet; the OS temp cleaner takes it.
        }
    }
}
