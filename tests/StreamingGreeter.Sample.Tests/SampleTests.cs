using System.Globalization;
using System.IO.Compression;
using System.Xml.Linq;
using StreamingGreeter.Protos;
using StreamingGreeter.Sample.Tests.Infrastructure;

namespace StreamingGreeter.Sample.Tests;

/// <summary>samples/StreamingGreeter.Sample, built from freshly packed packages and run as a process.</summary>
public sealed class SampleTests(PackedSample sample) : IClassFixture<PackedSample>
{
    [Fact]
    public void Pack_Libraries_PrintsNoWarning()
    {
        Assert.DoesNotContain(": warning ", sample.PackOutput, StringComparison.Ordinal);
        foreach (var library in Repository.Libraries)
        {
            Assert.True(File.Exists(sample.PackagePath(library)), $"{library} was not packed:\n{sample.PackOutput}");
        }
    }

    [Fact]
    public async Task Pack_AspNetCore_DependsOnContractsHubAspNetCoreGrpcAndJwtBearerOnly()
    {
        var nuspec = await ReadNuspecAsync(sample.PackagePath("StreamingGreeter.AspNetCore"));
        var ns = nuspec.Root!.Name.Namespace;
        var dependencies = nuspec.Descendants(ns + "dependency").ToDictionary(d => (string)d.Attribute("id")!, d => (string)d.Attribute("version")!);

        Assert.Equal(
            // gRPC for ASP.NET Core (its server, gRPC-Web and JSON transcoding for browsers and HTTP publishers), JWT, and the
            // project's own contract and hub: no logging, metrics or backplane package comes with it.
            [
                "Grpc.AspNetCore.Server", "Grpc.AspNetCore.Web", "Microsoft.AspNetCore.Authentication.JwtBearer",
                "Microsoft.AspNetCore.Grpc.JsonTranscoding", "StreamingGreeter.Contracts", "StreamingGreeter.Hub",
            ],
            dependencies.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(sample.Version, dependencies["StreamingGreeter.Contracts"]);
        Assert.Equal(sample.Version, dependencies["StreamingGreeter.Hub"]);
        Assert.Equal(["Microsoft.AspNetCore.App"], nuspec.Descendants(ns + "frameworkReference").Select(f => (string)f.Attribute("name")!));
    }

    [Fact]
    public async Task SayHello_Name_RepliesWithGreeting()
    {
        var reply = await sample.Client.SayHelloAsync(new HelloRequest { Name = "sample" }).ResponseAsync.DefaultTimeout();

        Assert.Equal("Hello, sample", reply.Message);
    }

    [Fact]
    public async Task Subscribe_ClockRoom_ReceivesTicksInOrder()
    {
        using var call = sample.Client.Subscribe(new SubscribeRequest { Room = "clock" });

        var events = new List<ChatEvent>();
        while (events.Count < 2)
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout(), $"the stream ended\n{sample.Transcript}");
            events.Add(call.ResponseStream.Current);
        }

        Assert.All(events, e =>
        {
            Assert.Equal(ChatEvent.Types.Kind.Message, e.Kind);
            Assert.Equal("clock", e.Room);
            Assert.Equal("clock", e.Sender);
        });
        Assert.Equal(events[0].Epoch, events[1].Epoch);
        Assert.Equal(events[0].Sequence + 1, events[1].Sequence);
        Assert.Equal(Tick(events[0]) + 1, Tick(events[1]));
    }

    /// <summary>N of the sample's "tick N".</summary>
    private static long Tick(ChatEvent e)
    {
        Assert.StartsWith("tick ", e.Text, StringComparison.Ordinal);
        return long.Parse(e.Text["tick ".Length..], CultureInfo.InvariantCulture);
    }

    private static async Task<XDocument> ReadNuspecAsync(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var entry = Assert.Single(zip.Entries, e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
        await using var stream = entry.Open();
        return await XDocument.LoadAsync(stream, LoadOptions.None, CancellationToken.None);
    }
}
