using System.Globalization;

using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;

using Google.Protobuf;

using Kernel.Node.Etcd.Mvcc;
using Kernel.Node.Etcd.Protos;

// Usage: dotnet run -c Release --project benchmarks/MvccBench [-- BenchmarkDotNet arguments, e.g. --filter *Put*]
BenchmarkSwitcher.FromAssembly(typeof(MvccBench.StoreBenchmarks).Assembly).Run(args);

namespace MvccBench
{
    /// <summary>
    /// The store's own cost per operation over <see cref="Keys"/> keys of 256 bytes (as <c>etcdctl check perf</c> writes
    /// them) with values of 64 bytes or 1 KiB: what the member loop spends applying a command or serving a read.
    /// </summary>
    [MemoryDiagnoser]
    public class StoreBenchmarks
    {
        private MvccStore _store = null!;
        private byte[][] _puts = null!;
        private byte[] _txn = null!;
        private RangeRequest _one = null!;
        private RangeRequest _prefix = null!;
        private long _index;
        private int _next;

        [Params(10_000)]
        public int Keys { get; set; }

        [Params(64, 1024)]
        public int ValueBytes { get; set; }

        [GlobalSetup]
        public void Setup()
        {
            _store = new MvccStore();
            var value = ByteString.CopyFrom(new byte[ValueBytes]);
            _puts = Enumerable.Range(0, Keys)
                .Select(i => new StoreCommand { Put = new PutRequest { Key = Key(i), Value = value } }.ToByteArray())
                .ToArray();
            foreach (var put in _puts)
            {
                _store.Apply(++_index, put);
            }

            _txn = new StoreCommand
            {
                Txn = new TxnRequest
                {
                    Compare = { new Compare { Key = Key(0), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Greater, Version = 0 } },
                    Success = { new RequestOp { RequestPut = new PutRequest { Key = Key(0), Value = value } } },
                },
            }.ToByteArray();
            _one = new RangeRequest { Key = Key(Keys / 2) };
            var prefix = ByteString.CopyFromUtf8("bench/00");
            _prefix = new RangeRequest { Key = prefix, RangeEnd = ByteString.CopyFromUtf8("bench/01"), Limit = 100 };
        }

        [Benchmark]
        public object? Put() => _store.Apply(++_index, _puts[_next++ % _puts.Length]);

        [Benchmark]
        public object? Txn() => _store.Apply(++_index, _txn);

        [Benchmark]
        public object RangeOneKey() => _store.Range(_one);

        [Benchmark]
        public object RangePrefixLimit100() => _store.Range(_prefix);

        [Benchmark]
        public int Snapshot() => _store.Snapshot().Length;

        private static ByteString Key(int i) =>
            ByteString.CopyFromUtf8("bench/" + i.ToString("D8", CultureInfo.InvariantCulture).PadRight(250, 'k'));
    }
}
