using Kernel.Sdk.Testing.Verification;

namespace Kernel.Host.Cli;

/// <summary>A one-line progress bar for <c>verify</c>, drawn on a terminal only.</summary>
internal sealed class ProgressBar(TextWriter terminal)
{
    private const int Width = 30;

    public void Report(VerifyProgress p)
    {
        var filled = p.Total == 0 ? Width : (int)((long)p.Done * Width / p.Total);
        terminal.Write($"\r[{new string('#', filled)}{new string('.', Width - filled)}] {p.Done}/{p.Total} seeds, {p.Violations} violations ");
        terminal.Flush();
    }

    public void Done()
    {
        terminal.Write("\r" + new string(' ', Width + 40) + "\r");
        terminal.Flush();
    }
}
