using Kernel.Host.Cli;

return await KernelCli.RunAsync(args, Console.Out, Console.Error, CancellationToken.None).ConfigureAwait(false);
