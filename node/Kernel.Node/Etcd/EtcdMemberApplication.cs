using Kernel.Node.Etcd.Api;
using Kernel.Node.Etcd.Gateway;
using Kernel.Node.Etcd.Leases;
using Kernel.Node.Etcd.Mvcc;
using Kernel.Node.Runtime;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kernel.Node.Etcd;

/// <summary>
/// A member serving etcd's v3 API: the MVCC store as its state machine; etcd's KV, Watch, Lease, Cluster and Maintenance
/// gRPC services and the JSON gateway at <c>/v3/...</c> as its client endpoints; a hosted service that, while this member
/// leads, revokes expired leases through the log. Needs the member's <see cref="INodeClient"/> in its services.
/// </summary>
internal sealed class EtcdMemberApplication : IMemberApplication
{
    private readonly EtcdApiOptions _options;

    /// <summary>Creates a member's etcd application.</summary>
    /// <param name="time">The clock of lease deadlines (default: the system's).</param>
    /// <param name="options">The API's settings (default: <see cref="EtcdApiOptions"/>' defaults).</param>
    public EtcdMemberApplication(TimeProvider? time = null, EtcdApiOptions? options = null)
    {
        _options = (options ?? new EtcdApiOptions()).Validate();
        Clock = new LeaseClock(time ?? TimeProvider.System);
        Store = new MvccStore(Clock);
    }

    /// <summary>The member's store.</summary>
    public MvccStore Store { get; }

    /// <summary>The member's lease deadlines.</summary>
    public LeaseClock Clock { get; }

    /// <inheritdoc />
    public IReplicatedStateMachine StateMachine => Store;

    /// <inheritdoc />
    public void ConfigureServices(IServiceCollection services)
    {
        services.AddGrpc();
        services.AddSingleton(Store);
        services.AddSingleton(Clock);
        services.AddSingleton(_options);
        services.AddSingleton<EtcdApi>();
        services.AddSingleton<IKvBackend>(sp => sp.GetRequiredService<EtcdApi>());
        services.AddSingleton<LeaseExpiry>();
        services.AddHostedService(sp => sp.GetRequiredService<LeaseExpiry>());
    }

    /// <inheritdoc />
    public void MapClientEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<KvService>();
        endpoints.MapGrpcService<WatchService>();
        endpoints.MapGrpcService<LeaseService>();
        endpoints.MapGrpcService<ClusterService>();
        endpoints.MapGrpcService<MaintenanceService>();
        EtcdGateway.Map(endpoints);
    }
}
