// The UltimateResilience strategies against Polly's nearest built-ins, success path (BenchmarkDotNet, [MemoryDiagnoser]).
// Usage: dotnet run -c Release --project benchmarks/ResilienceBench -- --filter '*'
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(ResilienceBench.Entries).Assembly).Run(args);
