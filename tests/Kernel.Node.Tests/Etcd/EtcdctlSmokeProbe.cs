namespace Kernel.Node.Tests.Etcd;

public sealed class EtcdctlSmokeProbe
{
    [Fact]
    public async Task Probe()
    {
        await using var server = await EtcdTestServer.StartAsync();
        File.WriteAllText("/tmp/etcd-probe-endpoint", server.Endpoint);
        await Task.Delay(60_000);
    }

    [Fact]
    public void Reflect()
    {
        var t = typeof(dotnet_etcd.EtcdClient);
        var lines = t.GetMethods().Where(m => m.DeclaringType == t).Select(m => m.ReturnType.Name + " " + m.Name + "(" + string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name + " " + p.Name)) + ")");
        var ctors = t.GetConstructors().Select(c => "ctor(" + string.Join(", ", c.GetParameters().Select(p => p.ParameterType.Name + " " + p.Name)) + ")");
        File.WriteAllLines("/tmp/etcdclient.txt", ctors.Concat(lines).Order());
    }
}
