using Kernel.Host.Cli;

namespace Kernel.Tests.Cli;

/// <summary>Runs the kernel's command line in-process and captures what it writes.</summary>
internal static class KernelProcess
{
    public static async Task<(int Code, string Out, string Err)> RunCli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await KernelCli.RunAsync(args, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }
}
