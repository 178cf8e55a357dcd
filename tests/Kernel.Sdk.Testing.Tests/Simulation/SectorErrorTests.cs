using Kernel.Sdk.Cluster;
using Kernel.Sdk.Replication;
using Kernel.Sdk.Storage;
using Kernel.Sdk.Strategies;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Sdk.Testing.Tests.Verification.ToyStrategies;
using Kernel.Sdk.Testing.Verification;
using Microsoft.Extensions.Configuration;

namespace Kernel.Sdk.Testing.Tests.Simulation;

/// <summary>Latent sector errors (<see cref="SimFaults.Sector"/>): a read error must stop a node, never pass for missing data.</summary>
public sealed class SectorErrorTests
{
    [Fact]
    public void An_unreadable_file_fails_reads_until_it_is_rewritten_or_repaired()
    {
        var disk = new SimDirectory();
        disk.WriteAtomic("a", [1, 2]);
        disk.InjectReadError("a");
        Assert.Throws<IOException>(() => disk.ReadAll("a"));
        Assert.Equal(1, disk.ReadErrorsHit);
        Assert.Equal(["a"], disk.UnreadableFiles);
        disk.WriteAtomic("a", [3]);
        Assert.Equal([3], disk.ReadAll("a"));

        disk.InjectReadError("a");
        disk.RepairReadErrors();
        Assert.Equal([3], disk.ReadAll("a"));
        Assert.Equal(0, disk.ReadErrorsHit);
        Assert.Throws<FileNotFoundException>(() => disk.InjectReadError("missing"));
    }

    [Fact]
    public void A_strategy_that_stops_on_the_error_runs_clean_and_its_nodes_start_again()
    {
        var summary = Verifier.Run(new ToyLwwStrategy(), new VerifyOptions
        {
            Seeds = 15,
            Simulation = new SimulationOptions { Nodes = 3, Faults = SimFaults.All | SimFaults.Sector },
        });
        Assert.True(summary.Clean, string.Join(Environment.NewLine, summary.Violations.Take(3)));
    }

    [Fact]
    public void A_strategy_that_takes_an_unreadable_file_for_a_missing_one_is_caught()
    {
        var summary = Verifier.Run(new Forgiving(new ToyLwwStrategy()), new VerifyOptions
        {
            Seeds = 30,
            StopAtFirstViolation = true,
            Simulation = new SimulationOptions { Nodes = 3, Faults = SimFaults.Crash | SimFaults.Sector },
        });
        Assert.False(summary.Clean);
        Assert.Equal(ViolationKinds.Storage, summary.Violations[0].Kind);
        Assert.Contains("a read error must stop the node", summary.Violations[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sector_is_asked_for_by_name_and_printed_beside_all()
    {
        Assert.True(SimFaultNames.TryParse("all,sector", out var faults, out _));
        Assert.Equal(SimFaults.All | SimFaults.Sector, faults);
        Assert.Equal("all,sector", SimFaultNames.Format(faults));
        Assert.Equal(0, (int)(SimFaults.All & SimFaults.Sector));
    }

    /// <summary>A strategy whose replicas skip files they cannot read, as if they were absent: the bug the fault looks for.</summary>
    private sealed class Forgiving(IReplicationStrategy inner) : IReplicationStrategy
    {
        public StrategyCategory Category => inner.Category;

        public string Name => "forgiving-" + inner.Name;

        public string Description => inner.Description;

        public ReplicationGuarantee Guarantee => inner.Guarantee;

        public IMessageCodec Codec => inner.Codec;

        public IReadOnlyList<string> ValidateOptions(IConfiguration options) => inner.ValidateOptions(options);

        public IReplicaNode CreateReplica(ReplicaOptions options) =>
            inner.CreateReplica(new ReplicaOptions
            {
                Id = options.Id,
                Replicas = options.Replicas,
                Directory = new SkippingDirectory(options.Directory),
                Random = options.Random,
                Options = options.Options,
                Strategies = options.Strategies,
                Model = options.Model,
            });
    }

    private sealed class SkippingDirectory(IDurableDirectory inner) : IDurableDirectory
    {
        public string Location => inner.Location;

        public IReadOnlyList<string> List() => [.. inner.List().Where(Readable)];

        public bool Exists(string name) => inner.Exists(name) && Readable(name);

        public byte[] ReadAll(string name) => inner.ReadAll(name);

        public IDurableFile OpenAppend(string name) => inner.OpenAppend(name);

        public void WriteAtomic(string name, ReadOnlySpan<byte> content) => inner.WriteAtomic(name, content);

        public void Delete(string name) => inner.Delete(name);

        public void Truncate(string name, long length) => inner.Truncate(name, length);

        public void SyncDirectory() => inner.SyncDirectory();

        private bool Readable(string name)
        {
            try
            {
                inner.ReadAll(name);
                return true;
            }
            catch (IOException) when (name.Length > 0)
            {
                return false;
            }
        }
    }
}
