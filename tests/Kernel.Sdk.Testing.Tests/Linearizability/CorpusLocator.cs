namespace Kernel.Sdk.Testing.Tests.Linearizability;

/// <summary>
/// Finds the shared, verdict-labelled histories IN PLACE: <c>../shared/histories</c> relative to the repository root (the folder
/// holding <c>Kernel.sln</c> or <c>Directory.Packages.props</c>), walking up from the test's base directory. Never copied.
/// </summary>
internal static class CorpusLocator
{
    private static readonly Lazy<string?> Folder = new(Find);

    public static string? HistoriesFolder => Folder.Value;

    public const string MissingMessage = "shared/histories corpus not found next to the repository (expected ../shared/histories/verdicts.tsv)";

    private static string? Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var isRoot = File.Exists(Path.Combine(d.FullName, "Kernel.sln")) || File.Exists(Path.Combine(d.FullName, "Directory.Packages.props"));
            if (!isRoot)
            {
                continue;
            }

            var candidate = Path.GetFullPath(Path.Combine(d.FullName, "..", "shared", "histories"));
            return File.Exists(Path.Combine(candidate, "verdicts.tsv")) ? candidate : null;
        }

        return null;
    }

    public static IEnumerable<object[]> Rows()
    {
        var folder = HistoriesFolder;
        if (folder is null)
        {
            // The theory is skipped; a placeholder row keeps discovery happy.
            yield return ["(corpus missing)", "none", "linearizable"];
            yield break;
        }

        foreach (var line in File.ReadLines(Path.Combine(folder, "verdicts.tsv")).Skip(1))
        {
            var c = line.Split('\t');
            if (c.Length >= 3)
            {
                yield return [c[0], c[1], c[2]];
            }
        }
    }
}

/// <summary>A theory that reports itself skipped when the shared corpus is absent.</summary>
public sealed class CorpusTheoryAttribute : TheoryAttribute
{
    public CorpusTheoryAttribute()
    {
        if (CorpusLocator.HistoriesFolder is null)
        {
            Skip = CorpusLocator.MissingMessage;
        }
    }
}

/// <summary>A fact that reports itself skipped when the shared corpus is absent.</summary>
public sealed class CorpusFactAttribute : FactAttribute
{
    public CorpusFactAttribute()
    {
        if (CorpusLocator.HistoriesFolder is null)
        {
            Skip = CorpusLocator.MissingMessage;
        }
    }
}
