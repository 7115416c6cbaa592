using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using StreamingGreeter.BareFanOut;

// The bare twin of the project's server: the same contract, SayHello, Subscribe and Publish only, with one bounded channel and
// one pump per subscriber, each event serialized and framed once and copied into the streams' bodies with one flush per
// batch, and nothing else (no history, validation, limits, resume or logging): the least a hub on this stack does, so
// that a benchmark run beside the project's host shows what the hub and the service add.
//   dotnet StreamingGreeter.BareFanOut.dll --urls http://127.0.0.1:0 [--Kestrel:Limits:Http2:MaxStreamsPerConnection=N]
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(static endpoint => endpoint.Protocols = HttpProtocols.Http2));
// As the project's host does: Kestrel's configuration loader reads endpoints, not limits.
builder.Services.Configure<KestrelServerOptions>(kestrel => builder.Configuration.GetSection("Kestrel:Limits").Bind(kestrel.Limits));
builder.Services.AddGrpc();
builder.Services.AddSingleton<BareRooms>();

var app = builder.Build();
app.MapGrpcService<BareFanOutGreeter>();
app.Lifetime.ApplicationStarted.Register(() =>
{
    var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
    // The line a benchmark waits for (the same words as the project's host).
    Console.WriteLine($"BareFanOut listening on {string.Join(", ", addresses)}");
});
app.Run();
