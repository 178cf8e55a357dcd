// The two sides' types under short names, for every file of the benchmark.
global using AkkaLwwMap = Akka.DistributedData.LWWDictionary<string, string>;
global using AkkaOrSet = Akka.DistributedData.ORSet<string>;
global using AkkaPnCounter = Akka.DistributedData.PNCounter;
global using OrSet = UltimateConflict.Crdt.Causal.Causal<UltimateConflict.Crdt.Sets.OrSetStore>;
