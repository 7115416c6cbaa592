using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace StreamingGreeter.Hub.Redis.Tests.Infrastructure;

/// <summary>The README's recipe, word for word: one channel over several servers, calls spread round-robin.</summary>
public static class RoundRobinChannel
{
    public static GrpcChannel Create(IEnumerable<Uri> servers)
    {
        var addresses = servers.Select(uri => new BalancerAddress(uri.Host, uri.Port)).ToArray();
        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => addresses));

        return GrpcChannel.ForAddress("static:///greeter", new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Insecure,
            ServiceProvider = services.BuildServiceProvider(),
            ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } },
        });
    }
}
