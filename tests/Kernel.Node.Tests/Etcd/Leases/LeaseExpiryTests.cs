using Kernel.Node.Etcd;
using Kernel.Node.Etcd.Leases;
using Kernel.Node.Tests.Etcd.Mvcc;

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Kernel.Node.Tests.Etcd.Leases;

public sealed class LeaseExpiryTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly EtcdMemberApplication _application;
    private readonly SingleMemberNodeClient _node;
    private readonly LeaseExpiry _expiry;
    private readonly StoreDriver _log;

    public LeaseExpiryTests()
    {
        _application = new EtcdMemberApplication(_time);
        _node = new SingleMemberNodeClient(_application.StateMachine);
        _expiry = new LeaseExpiry(_node, _application.Clock, new EtcdApiOptions(), NullLogger<LeaseExpiry>.Instance);
        _log = new StoreDriver(_application.Store);

        // The member leads from the start: its first check takes leadership (and would extend leases, none yet).
        Assert.Equal(0, _expiry.CheckAsync(CancellationToken.None).GetAwaiter().GetResult());
    }

    [Fact]
    public async Task The_leader_revokes_an_expired_lease_through_the_log_and_its_keys_go()
    {
        var lease = Grant(5);
        _log.Put("session", "alive", lease);
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, await _expiry.CheckAsync(CancellationToken.None));
        Assert.Single(_log.Get("session").Kvs);
        Assert.Equal(1, _application.Clock.RemainingSeconds(lease));

        var before = _node.Proposals;
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await _expiry.CheckAsync(CancellationToken.None));
        Assert.Equal(before + 1, _node.Proposals);
        Assert.Empty(_log.Get("session").Kvs);
        Assert.Null(_application.Store.LeaseInfo(lease));
        Assert.Null(_application.Clock.RemainingSeconds(lease));
    }

    [Fact]
    public async Task A_renewal_applied_from_the_log_moves_the_deadline()
    {
        var lease = Grant(5);
        _time.Advance(TimeSpan.FromSeconds(4));
        _log.Apply(new Kernel.Node.Etcd.Protos.StoreCommand { LeaseRenew = new Kernel.Node.Etcd.Protos.LeaseKeepAliveRequest { ID = lease } });
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, await _expiry.CheckAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await _expiry.CheckAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_follower_never_expires_leases_and_a_new_leader_gives_them_their_full_ttl()
    {
        var lease = Grant(5);
        _node.HasLeader = false;
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, await _expiry.CheckAsync(CancellationToken.None));
        Assert.NotNull(_application.Store.LeaseInfo(lease));

        _node.HasLeader = true;
        Assert.Equal(0, await _expiry.CheckAsync(CancellationToken.None));
        Assert.Equal(5, _application.Clock.RemainingSeconds(lease));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, await _expiry.CheckAsync(CancellationToken.None));
    }

    private long Grant(long ttl) => _log.Grant(ttl);
}
