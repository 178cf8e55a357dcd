// The plugin's CRDTs beside Akka.DistributedData 1.5.73 on the scenarios of issue 12.
// Usage: dotnet run -c Release --project benchmarks/CrdtBench [-- --filter '*OrSet*']   (BenchmarkDotNet)
//        dotnet run -c Release --project benchmarks/CrdtBench -- --check                  (the scenarios' values agree
//        on both sides, the serialized sizes and the bytes one merge allocates: counted, nothing timed)
using BenchmarkDotNet.Running;
using CrdtBench;

if (args is ["--check"])
{
    return Check.Run();
}

BenchmarkSwitcher.FromAssembly(typeof(OrSetBenchmarks).Assembly).Run(args);
return 0;
