using System.Net.Http;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Sigill.Web.Routing;

/// <summary>
/// The API deployments as YARP clusters: <see cref="DefaultCluster"/> (<c>Web:ApiBaseUrl</c>) and one per region
/// (<c>Web:RegionApis</c>), each with all of its API nodes as destinations. Requests are balanced round-robin over the
/// healthy nodes. A node leaves the rotation when its <c>/health/ready</c> probe fails twice (active check, with several
/// nodes) or when requests to it fail at the transport level (passive check), and returns after
/// <see cref="WebTierOptions.ReactivationPeriod"/>. A request whose connection was refused — it never reached a node,
/// so it cannot have been acted on — is retried on the next node (<see cref="RetryRefusedConnectsAsync"/>).
/// </summary>
internal static class ApiClusters
{
    public const string DefaultCluster = "api";

    public static string RegionCluster(string region) => "api-" + region;

    public static IReadOnlyList<ClusterConfig> Build(WebTierOptions options) =>
    [
        Cluster(DefaultCluster, options.ApiNodes, options),
        .. options.RegionApis.Select(r => Cluster(RegionCluster(r.Key), r.Value, options)),
    ];

    private static ClusterConfig Cluster(string id, IReadOnlyList<string> nodes, WebTierOptions options) => new()
    {
        ClusterId = id,
        LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
        HealthCheck = new HealthCheckConfig
        {
            // With every node unhealthy, try them all anyway rather than fail every request outright.
            AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
            Active = new ActiveHealthCheckConfig
            {
                // The probe reaches the cells (database and blob store): only worth its cost when there is a choice.
                Enabled = nodes.Count > 1,
                Interval = options.HealthCheckInterval,
                Timeout = TimeSpan.FromSeconds(5),
                Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                Path = "/health/ready",
            },
            Passive = new PassiveHealthCheckConfig
            {
                Enabled = true,
                Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
                ReactivationPeriod = options.ReactivationPeriod,
            },
        },
        Destinations = nodes.Select((url, i) => KeyValuePair.Create($"{id}/{i}", new DestinationConfig { Address = url })).ToDictionary(),
    };

    /// <summary>
    /// YARP pipeline step (before load balancing): when the chosen node refused the connection, marks nothing sent,
    /// and the response has not started, sends the request to another node of the same cluster. Only refused or failed
    /// connects are retried: a request that reached a node may have been acted on, and repeating it is the client's call.
    /// </summary>
    public static async Task RetryRefusedConnectsAsync(HttpContext context, Func<Task> next)
    {
        var proxy = context.Features.Get<IReverseProxyFeature>()!;
        var candidates = proxy.AvailableDestinations.ToList();
        await next();
        while (context.Features.Get<IForwarderErrorFeature>() is { Error: ForwarderError.Request, Exception: var error }
            && IsConnectFailure(error) && !context.Response.HasStarted && proxy.ProxiedDestination is { } failed)
        {
            candidates.Remove(failed);
            if (candidates.Count == 0)
            {
                return;
            }
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.StatusCode = StatusCodes.Status200OK;
            proxy.AvailableDestinations = candidates;
            proxy.ProxiedDestination = null;
            await next();
        }
    }

    private static bool IsConnectFailure(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError })
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Active health probes carry the service credential: the API tier answers nothing without it.</summary>
    public sealed class CredentialedProbes(WebTierOptions options) : IProbingRequestFactory
    {
        public HttpRequestMessage CreateRequest(ClusterModel cluster, DestinationModel destination)
        {
            ArgumentNullException.ThrowIfNull(cluster);
            ArgumentNullException.ThrowIfNull(destination);
            var address = destination.Config.Health ?? destination.Config.Address;
            var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(address), cluster.Config.HealthCheck?.Active?.Path ?? "/health/ready"))
            {
                Version = System.Net.HttpVersion.Version11,
            };
            request.Headers.Add(SigillHeaders.ServiceCredential, options.ServiceCredential);
            return request;
        }
    }
}
