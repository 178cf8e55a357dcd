using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kernel.Node.Runtime;

/// <summary>
/// What one member serves: the state machine the runtime replicates and the client endpoints over it (the etcd API, or a
/// test's). The runtime creates one per member, registers the member's <see cref="INodeClient"/> in the member's
/// services, then calls <see cref="ConfigureServices"/> and <see cref="MapClientEndpoints"/> for the client listener only.
/// </summary>
internal interface IMemberApplication
{
    /// <summary>The member's state machine.</summary>
    IReplicatedStateMachine StateMachine { get; }

    /// <summary>Adds the client API's services (gRPC services, options) to the member's service collection.</summary>
    void ConfigureServices(IServiceCollection services);

    /// <summary>Maps the client API's endpoints (served on the member's client URLs, never on its peer URLs).</summary>
    void MapClientEndpoints(IEndpointRouteBuilder endpoints);
}
