using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace StreamingGreeter.AspNetCore.Tests.Infrastructure;

/// <summary>
/// Given to <see cref="TestServer.StartAsync(Action{IServiceCollection}, string[])"/>, holds back every request's
/// RequestAborted: the token never fires, as on a server whose thread pool is too busy to run the work item Kestrel
/// cancels it from. What is left to tell a call that its client reset the stream or dropped the connection is the
/// stream itself.
/// </summary>
public sealed class HeldBackRequestAborted : IStartupFilter
{
    public static void Register(IServiceCollection services) => services.AddSingleton<IStartupFilter, HeldBackRequestAborted>();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(static (context, next) =>
        {
            var lifetime = context.Features.GetRequiredFeature<IHttpRequestLifetimeFeature>();
            context.Features.Set<IHttpRequestLifetimeFeature>(new UnsignalledRequestLifetime(lifetime));
            return next(context);
        });
        next(app);
    };
}
