using Kernel.Sdk.Strategies;
using Polly.Registry;

namespace Kernel.Sdk.Resilience;

/// <summary>
/// What the kernel offers a plugin for resilience (<see cref="Plugins.IPluginContext.Resilience"/>): named predicates to
/// register and to read from options, and the pipelines named in <c>plugins.json</c>.
/// </summary>
public interface IResilienceHost
{
    /// <summary>
    /// Registers a predicate under its name (lower-case letters, digits and '-', starting with a letter), for entries' options
    /// to name. It is removed when the plugin unloads. Throws <see cref="ArgumentException"/> for a malformed name and
    /// <see cref="InvalidOperationException"/> for a name the kernel or another plugin already holds.
    /// </summary>
    void AddPredicate(ResiliencePredicate predicate);

    /// <summary>
    /// Reads an option naming predicates (a string, or an array of strings) and returns their union; absent gives the union of
    /// <paramref name="defaultNames"/>. An unknown name is reported through <paramref name="reader"/> with the names that exist.
    /// </summary>
    ResiliencePredicate ReadPredicate(OptionReader reader, string option, params string[] defaultNames);

    /// <summary>
    /// The pipelines of the <c>resilience</c> section, by name: <c>GetPipeline(name)</c> or <c>GetPipeline&lt;TResult&gt;(name)</c>.
    /// A fetched pipeline follows changes of <c>plugins.json</c> (Polly's reloads): keep the instance, fetch it once.
    /// </summary>
    ResiliencePipelineProvider<string> Pipelines { get; }
}
