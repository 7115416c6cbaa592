using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using StreamingGreeter.Hub;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Security;
using StreamingGreeter.AspNetCore.Services;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>The Auth section: validated at start, keys from PEM files, greetings closed on request, tokens kept out of logs.</summary>
public sealed class AuthConfigurationTests
{
    [Theory]
    [InlineData("Auth:Issuer=", "Auth:Issuer is required when Auth:Mode is Jwt")]
    [InlineData("Auth:Audience=", "Auth:Audience is required when Auth:Mode is Jwt")]
    [InlineData("Auth:SigningKey=", "Auth:SigningKey (an HMAC secret) or Auth:SigningKeyFile (an RSA or ECDSA public key in PEM) is required")]
    [InlineData("Auth:SigningKey=short", "Auth:SigningKey is 5 bytes long; an HMAC secret needs at least 32")]
    [InlineData("Auth:SigningKeyFile=/nonexistent/key.pem", "Auth:SigningKeyFile \"/nonexistent/key.pem\" cannot be read")]
    [InlineData("Auth:ClockSkew=01:00:00", "Auth:ClockSkew is 01:00:00: it must be between 00:00:00 and 00:05:00")]
    public async Task Start_JwtModeMisconfigured_FailsNamingTheKey(string setting, string expected)
    {
        var settings = TestTokens.Settings().Where(s => !s.StartsWith(setting.Split('=')[0] + "=", StringComparison.Ordinal)).Append(setting).ToArray();
        if (setting.StartsWith("Auth:SigningKeyFile", StringComparison.Ordinal))
        {
            settings = [.. settings.Where(static s => !s.StartsWith("Auth:SigningKey=", StringComparison.Ordinal))];
        }

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestServer.StartAsync(settings));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_KeyFileNotPem_FailsNamingTheFile()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "this is not a key");
            var settings = TestTokens.Settings().Where(static s => !s.StartsWith("Auth:SigningKey=", StringComparison.Ordinal)).Append($"Auth:SigningKeyFile={file}").ToArray();

            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestServer.StartAsync(settings));

            Assert.Contains($"Auth:SigningKeyFile \"{file}\" holds no RSA or ECDSA key in PEM", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("RSA")]
    [InlineData("ECDSA")]
    public async Task PublicKeyFile_TokenSignedWithThePrivateKey_Accepted_HmacTokenRefused(string kind)
    {
        using var rsa = RSA.Create(2048);
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (pem, signing) = kind == "RSA"
            ? (rsa.ExportSubjectPublicKeyInfoPem(), new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256))
            : (ecdsa.ExportSubjectPublicKeyInfoPem(), new SigningCredentials(new ECDsaSecurityKey(ecdsa), SecurityAlgorithms.EcdsaSha256));
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, pem);
        try
        {
            var settings = TestTokens.Settings().Where(static s => !s.StartsWith("Auth:SigningKey=", StringComparison.Ordinal)).Append($"Auth:SigningKeyFile={file}").ToArray();
            await using var server = await TestServer.StartAsync(settings);
            var room = Rooms.Unique();
            var rooms = new Dictionary<string, object> { ["rooms"] = new[] { room } };

            var reply = await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "x" }, TestTokens.Call(TestTokens.Create("ann", rooms, signing: signing))).ResponseAsync.DefaultTimeout();
            var hmac = await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "x" }, TestTokens.Call(TestTokens.Create("ann", rooms))).ResponseAsync.ThrowsRpcAsync();

            Assert.Equal(1, reply.Sequence);
            Assert.Equal(StatusCode.Unauthenticated, hmac.StatusCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task RequireForGreetings_NoToken_Unauthenticated_WithToken_Greets()
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings("Auth:RequireForGreetings=true"));

        var error = await server.Client.SayHelloAsync(new HelloRequest { Name = "World" }).ResponseAsync.ThrowsRpcAsync();
        using var stream = server.Client.SayHelloStream(new HelloStreamRequest { Name = "Ann", Count = 1 });
        var streamError = await stream.ResponseStream.ReadUntilErrorAsync();
        var reply = await server.Client.SayHelloAsync(new HelloRequest { Name = "World" }, TestTokens.Call(TestTokens.Create("ann"))).ResponseAsync.DefaultTimeout();

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.StartsWith("no token", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, streamError.StatusCode);
        Assert.Equal("Hello, World", reply.Message);
    }

    [Theory]
    [InlineData("None", false)]
    [InlineData("Jwt", true)]
    public async Task AuthInterceptor_OnlyInTheCallPathWithJwt(string mode, bool expected)
    {
        // Every interceptor is a stage each call goes through; without authentication there is nothing for it to do.
        string[] settings = mode == "Jwt" ? TestTokens.Settings() : [];
        await using var server = await TestServer.StartAsync(settings);

        var interceptors = server.App.Services.GetRequiredService<IOptions<GrpcServiceOptions<GreeterService>>>().Value.Interceptors;

        Assert.Equal(expected, interceptors.Any(static i => i.Type == typeof(AuthInterceptor)));
        Assert.Equal(typeof(GreeterCallInterceptor), interceptors[0].Type);
    }

    [Fact]
    public async Task ModeNone_SenderIsWhateverTheClientSays_NoTokenNeeded()
    {
        await using var server = await TestServer.StartAsync();
        var room = Rooms.Unique();

        await server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "anyone", Text = "x" }).ResponseAsync.DefaultTimeout();
        using var call = server.Client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = 0, Epoch = "stale", MaxEvents = 1 });
        var replayed = Assert.Single(await call.ResponseStream.ReadToEndAsync());

        Assert.Equal("anyone", replayed.Sender);
    }

    [Fact]
    public async Task PublishRate_WithTokens_CountsPerNameNotPerAddress()
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings("Greeter:PublishesPerSecond=3"));
        var room = Rooms.Unique();
        var ann = TestTokens.ForRooms("ann", room);

        RpcException? error = null;
        for (var i = 0; i < 12 && error is null; i++)
        {
            try
            {
                await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "x" }, TestTokens.Call(ann)).ResponseAsync.DefaultTimeout();
            }
            catch (RpcException refused)
            {
                error = refused;
            }
        }

        Assert.NotNull(error);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.StartsWith("caller user ann exceeded", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishRate_TokenWithSubOnly_CountsPerSub()
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings("Greeter:PublishesPerSecond=3"));
        var room = Rooms.Unique();
        var claims = new Dictionary<string, object> { ["rooms"] = new[] { room } };
        var first = TestTokens.Create(name: null, claims, subject: "u-17");
        var second = TestTokens.Create(name: null, claims, subject: "u-18");
        RpcException? error = null;
        for (var i = 0; i < 12 && error is null; i++)
        {
            try
            {
                await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "x" }, TestTokens.Call(first)).ResponseAsync.DefaultTimeout();
            }
            catch (RpcException refused)
            {
                error = refused;
            }
        }

        // From the same address, the second caller still has its whole bucket.
        await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "x" }, TestTokens.Call(second)).ResponseAsync.DefaultTimeout();

        Assert.NotNull(error);
        Assert.StartsWith("caller user u-17 exceeded", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusals_AreCountedByReason()
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings());
        var meter = server.App.Services.GetRequiredService<HubMetrics>().Meter;
        var totals = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "streaminggreeter.requests.rejected")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                totals.AddOrUpdate($"{tag.Value}", value, (_, total) => total + value);
            }
        });
        listener.Start();

        await server.Client.PublishAsync(new PublishRequest { Room = "news", Text = "x" }).ResponseAsync.ThrowsRpcAsync();
        await server.Client.PublishAsync(new PublishRequest { Room = "news", Text = "x" }, TestTokens.Call(TestTokens.Create("ann"))).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(1, totals.GetValueOrDefault("unauthenticated"));
        Assert.Equal(1, totals.GetValueOrDefault("permission_denied"));
    }

    [Fact]
    public async Task Tokens_GoodAndBad_NeverAppearInTheLogs()
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings(
            "Logging:LogLevel:Default=Trace",
            "Logging:LogLevel:Microsoft=Trace",
            "Logging:LogLevel:Microsoft.AspNetCore=Trace",
            "Logging:LogLevel:Grpc=Trace"));
        var room = Rooms.Unique();
        var good = TestTokens.ForRooms("ann", room);
        var expired = TestTokens.Create("ann", lifetime: TimeSpan.FromMinutes(-5));
        var forged = TestTokens.Create("ann", signing: TestTokens.Hmac("another secret, just as long as the real one"));
        var wrongAudience = TestTokens.Create("ann", audience: "elsewhere");

        await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "x" }, TestTokens.Call(good)).ResponseAsync.DefaultTimeout();
        foreach (var bad in new[] { expired, forged, wrongAudience, "not-a-jwt-but-secret-looking" })
        {
            await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "x" }, TestTokens.Call(bad)).ResponseAsync.ThrowsRpcAsync();
        }

        var logs = server.Logs.Everything;
        // The capture is live: requests were logged, so the check below looked at something.
        Assert.Contains(logs, static line => line.Contains("/helloworld.Greeter/Publish", StringComparison.Ordinal));
        foreach (var token in new[] { good, expired, forged, wrongAudience, "not-a-jwt-but-secret-looking" })
        {
            // A token's signature is the part that must never leak; its payload is not secret, but it is not logged either.
            var signature = token.Split('.')[^1];
            Assert.DoesNotContain(logs, line => line.Contains(signature, StringComparison.Ordinal));
        }
    }
}
