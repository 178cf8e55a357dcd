using Kernel.Sdk.Consensus;

namespace Kernel.Sdk.Testing.Transcripts;

/// <summary>
/// Runs protocol transcripts against a consensus strategy, in the manner of etcd-io/raft's datadriven interaction tests.
/// A transcript is a text file of commands (<c>add-nodes</c>, <c>tick</c>, <c>tick-election</c>, <c>process-ready</c>,
/// <c>deliver</c>, <c>stabilize</c>, <c>partition</c>, <c>heal</c>, <c>crash</c>, <c>restart</c>, <c>propose</c>,
/// <c>propose-membership-change</c>, <c>read-index</c>, <c>transfer-leadership</c>, <c>compact</c>, <c>status</c>,
/// <c>applied</c>), each followed by a <c>----</c> line and the output it must print, up to a blank line; <c>#</c> lines
/// are comments. Nodes run as the strategy builds them (<see cref="IConsensusStrategy.CreateNode"/> over
/// <see cref="IConsensusStrategy.OpenStorage"/> on a simulated disk), messages go through its codec and print with their
/// <c>ToString()</c>, and nothing happens that a command does not ask for, so the output is deterministic.
/// Framework-neutral: assert on <see cref="TranscriptResult.Passed"/> and show <see cref="TranscriptResult.ToString"/>.
/// </summary>
public sealed class TranscriptRunner
{
    /// <summary>The environment variable that turns on rewrite mode when set to <c>1</c> or <c>true</c>.</summary>
    public const string RewriteVariable = "KERNEL_REWRITE_TRANSCRIPTS";

    private readonly IConsensusStrategy _strategy;
    private readonly Dictionary<string, string?> _options;

    /// <summary>Creates a runner for <paramref name="strategy"/>.</summary>
    /// <param name="strategy">The strategy whose nodes the transcripts drive.</param>
    /// <param name="options">
    /// Strategy options every <c>add-nodes</c> starts from (its own <c>key=value</c> arguments override them), as
    /// configuration keys and values; null for the strategy's defaults.
    /// </param>
    public TranscriptRunner(IConsensusStrategy strategy, IReadOnlyDictionary<string, string?>? options = null)
    {
        _strategy = strategy ?? throw new ArgumentNullException(nameof(strategy));
        _options = new Dictionary<string, string?>(options ?? new Dictionary<string, string?>(), StringComparer.OrdinalIgnoreCase);
        Rewrite = Environment.GetEnvironmentVariable(RewriteVariable) is "1" or "true";
    }

    /// <summary>
    /// When true, a transcript whose outputs differ is not failed: the actual outputs are written back into the file in
    /// place (comments and commands kept). Defaults to the <see cref="RewriteVariable"/> environment variable.
    /// </summary>
    public bool Rewrite { get; init; }

    /// <summary>The transcripts of a folder and its subfolders (<c>*.txt</c>), in ordinal path order.</summary>
    /// <param name="folder">The folder to search.</param>
    public static IReadOnlyList<string> FindTranscripts(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return Directory.Exists(folder)
            ? [.. Directory.GetFiles(folder, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal)]
            : [];
    }

    /// <summary>Runs every transcript of <paramref name="folder"/> (see <see cref="FindTranscripts"/>); a missing or empty folder is one failed result.</summary>
    /// <param name="folder">The folder to search.</param>
    public IReadOnlyList<TranscriptResult> RunAll(string folder)
    {
        var files = FindTranscripts(folder);
        return files.Count == 0
            ? [new TranscriptResult(folder, 0, [], $"{folder}: no transcripts (*.txt) found", rewritten: false, Rewrite)]
            : [.. files.Select(Run)];
    }

    /// <summary>Runs one transcript: every command in order, comparing each output with the expected one (or rewriting it).</summary>
    /// <param name="path">The transcript file.</param>
    public TranscriptResult Run(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string content;
        try
        {
            content = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new TranscriptResult(path, 0, [], $"{path}: cannot read the transcript: {ex.Message}", rewritten: false, Rewrite);
        }

        TranscriptFile file;
        try
        {
            file = TranscriptFile.Parse(path, content);
        }
        catch (TranscriptInputException ex)
        {
            return new TranscriptResult(path, 0, [], $"{path}:{ex.Line}: {ex.Message}", rewritten: false, Rewrite);
        }

        var env = new TranscriptEnv(_strategy, _options);
        var mismatches = new List<TranscriptMismatch>();
        var actual = new List<string>();
        string? error = null;
        foreach (var directive in file.Directives)
        {
            if (directive.Expected is null && !Rewrite)
            {
                error = $"{path}:{directive.Line}: '{directive.Text}' has no '{TranscriptFile.Separator}' line below it with its expected output (set {RewriteVariable}=1 to fill it in)";
                break;
            }

            string output;
            try
            {
                output = Execute(env, directive.Text);
            }
            catch (TranscriptInputException ex)
            {
                error = $"{path}:{directive.Line}: '{directive.Text}': {ex.Message}{UsageHint(directive.Text)}";
                break;
            }
            catch (Exception ex)
            {
                error = $"{path}:{directive.Line}: '{directive.Text}' failed: {ex.GetType().Name}: {ex.Message}";
                break;
            }

            actual.Add(output);
            if (output != directive.Expected)
            {
                mismatches.Add(new TranscriptMismatch(path, directive.Line, directive.Text, directive.Expected ?? string.Empty, output));
            }
        }

        var rewritten = false;
        if (Rewrite && error is null && mismatches.Count > 0)
        {
            File.WriteAllText(path, file.Rewrite(actual));
            rewritten = true;
        }

        return new TranscriptResult(path, actual.Count, mismatches, error, rewritten, Rewrite);
    }

    private static string Execute(TranscriptEnv env, string text) => env.Execute(TranscriptCommand.Parse(text));

    private static string UsageHint(string text)
    {
        var name = text.Split(' ', 2)[0];
        return TranscriptEnv.Commands.Any(c => c.Name == name) ? $"; usage: {TranscriptEnv.UsageOf(name)}" : string.Empty;
    }
}
