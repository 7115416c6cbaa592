using Microsoft.AspNetCore.Server.Kestrel.Core;
using StreamingGreeter.Sample;

var builder = WebApplication.CreateBuilder(args);

builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint =>
{
    // gRPC without TLS needs HTTP/2 with prior knowledge.
    endpoint.Protocols = HttpProtocols.Http2;
    // Greeter:MaxConnections, Greeter:MaxConnectionsPerAddress and the HTTP/2 preface timeout, on every endpoint.
    endpoint.UseStreamingGreeterConnectionLimits();
}));

// The Greeter service and its in-memory broadcast hub, with limits from the "Greeter" and "Hub" sections.
builder.Services.AddStreamingGreeter();
builder.Services.Configure<StreamingGreeter.AspNetCore.StreamingGreeterOptions>(builder.Configuration.GetSection("Greeter"));
builder.Services.Configure<StreamingGreeter.Hub.BroadcastHubOptions>(builder.Configuration.GetSection("Hub"));

// The app's own publisher: one event a second into the "clock" room.
builder.Services.AddOptions<ClockOptions>()
    .Bind(builder.Configuration.GetSection("Clock"))
    .Validate(clock => clock.Interval > TimeSpan.Zero, "Clock:Interval must be more than zero")
    .Validate(clock => !string.IsNullOrWhiteSpace(clock.Room), "Clock:Room must not be empty")
    .ValidateOnStart();
builder.Services.AddHostedService<ClockService>();

var app = builder.Build();
app.MapStreamingGreeter();
app.Run();
