using Kernel.Sdk.Consensus;
using Kernel.Sdk.Testing.Simulation;
using Kernel.Storage.Records;

namespace Kernel.Storage.Tests.Records;

public sealed class ChecksummedFileTests
{
    private const uint Magic = 0x54534554; // "TEST"

    private static string Text(ReadOnlySpan<byte> payload) =>
        payload.Length > 0 && payload[0] == 0xFF ? throw new FormatException("byte 0 is 0xFF") : System.Text.Encoding.UTF8.GetString(payload);

    [Fact]
    public void RoundTripsBehindMagicAndCrc()
    {
        var dir = new MemoryDirectory();
        ChecksummedFile.WriteAtomic(dir, "state", Magic, "hello"u8);
        var bytes = dir.Bytes("state").ToArray();
        Assert.Equal(ChecksummedFile.HeaderBytes + 5, bytes.Length);
        Assert.Equal(new byte[] { 0x54, 0x45, 0x53, 0x54 }, bytes[..4]);
        Assert.Equal("hello", ChecksummedFile.Read(dir, "state", Magic, "State file", Text));

        ChecksummedFile.WriteAtomic(dir, "state", Magic, "again"u8); // replaces
        Assert.Equal("again", ChecksummedFile.Read(dir, "state", Magic, "State file", Text));
    }

    [Fact]
    public void APayloadInPartsIsWrittenAsTheirConcatenation()
    {
        // The directory's own parts overload (a real directory) and the interface's default (it joins the parts) both give
        // the bytes of the payload written in one piece.
        var whole = System.Text.Encoding.UTF8.GetBytes("head|a large body|tail");
        ReadOnlyMemory<byte>[] parts = [whole.AsMemory(0, 5), ReadOnlyMemory<byte>.Empty, whole.AsMemory(5, 13), whole.AsMemory(18)];
        var memory = new MemoryDirectory();
        ChecksummedFile.WriteAtomic(memory, "one", Magic, whole);
        ChecksummedFile.WriteAtomic(memory, "parts", Magic, parts);
        Assert.Equal(memory.Bytes("one").ToArray(), memory.Bytes("parts").ToArray());

        var path = Directory.CreateTempSubdirectory("checksummed-").FullName;
        try
        {
            var disk = new Kernel.Sdk.Storage.FileSystemDirectory(path);
            ChecksummedFile.WriteAtomic(disk, "parts", Magic, parts);
            Assert.Equal(memory.Bytes("one").ToArray(), File.ReadAllBytes(Path.Combine(path, "parts")));
            Assert.Equal("head|a large body|tail", ChecksummedFile.Read(disk, "parts", Magic, "State file", Text));
            Assert.Equal(["parts"], disk.List()); // no temporary file left
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    [Theory]
    [InlineData(0, "is corrupted at byte offset 0 (bad magic or too short).")]
    [InlineData(5, "is corrupted: CRC-32C mismatch over bytes 8..13.")]
    [InlineData(9, "is corrupted: CRC-32C mismatch over bytes 8..13.")]
    public void DamageIsReportedNamingTheFile(int damagedByte, string expected)
    {
        var dir = new MemoryDirectory();
        ChecksummedFile.WriteAtomic(dir, "state", Magic, "hello"u8);
        dir.Bytes("state")[damagedByte] ^= 0x01;
        var e = Assert.Throws<StorageCorruptedException>(() => ChecksummedFile.Read(dir, "state", Magic, "State file", Text));
        Assert.Equal($"State file '{Path.Combine("mem:", "state")}' {expected}", e.Message);
    }

    [Fact]
    public void AnotherMagicOrAnUndecodablePayloadIsCorruption()
    {
        var dir = new MemoryDirectory();
        ChecksummedFile.WriteAtomic(dir, "state", Magic, [0xFF, 1]);
        Assert.Contains("bad magic", Assert.Throws<StorageCorruptedException>(() => ChecksummedFile.Read(dir, "state", Magic + 1, "State file", Text)).Message);
        var e = Assert.Throws<StorageCorruptedException>(() => ChecksummedFile.Read(dir, "state", Magic, "State file", Text));
        Assert.EndsWith("is undecodable after byte offset 8: byte 0 is 0xFF", e.Message);
    }

    [Fact]
    public void ACrashKeepsTheOldOrTheNewContentNeverAMix()
    {
        for (ulong seed = 1; seed <= 20; seed++)
        {
            var dir = new SimDirectory();
            ChecksummedFile.WriteAtomic(dir, "state", Magic, "old"u8);
            ChecksummedFile.WriteAtomic(dir, "state", Magic, "new content"u8);
            dir.Crash(DiskCrashMode.Tear, seed);
            Assert.Contains(ChecksummedFile.Read(dir, "state", Magic, "State file", Text), new[] { "old", "new content" });
        }
    }
}
