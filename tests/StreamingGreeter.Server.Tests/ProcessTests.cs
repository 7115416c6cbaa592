using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using StreamingGreeter.Protos;
using StreamingGreeter.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamingGreeter.Server.Tests;

/// <summary>The server as it is deployed: its own process, a client in another language, and SIGTERM.</summary>
[Collection(IsolatedCollection.Name)]
public sealed class ProcessTests(ITestOutputHelper output)
{
    private const int DefaultPort = 50051;

    private const string HelloWorldProto = """
        syntax = "proto3";

        package helloworld;

        service Greeter {
          rpc SayHello (HelloRequest) returns (HelloReply) {}
        }

        message HelloRequest {
          string name = 1;
        }

        message HelloReply {
          string message = 1;
        }

        """;

    // The classic Python helloworld client, unchanged but for the name it greets.
    private const string GreeterClientPy = """
        from __future__ import print_function

        import logging

        import grpc
        import helloworld_pb2
        import helloworld_pb2_grpc


        def run():
            with grpc.insecure_channel('localhost:50051') as channel:
                stub = helloworld_pb2_grpc.GreeterStub(channel)
                response = stub.SayHello(helloworld_pb2.HelloRequest(name='World'))
            print("Greeter client received: " + response.message)


        if __name__ == '__main__':
            logging.basicConfig()
            run()

        """;

    [SkippableFact]
    public async Task SayHello_ClassicPythonClient_GetsGreetingAndServerExitsZeroOnSigterm()
    {
        Python.RequirePrerequisites();
        Assert.False(IsListening(DefaultPort), $"port {DefaultPort} is already in use; this test starts the server on its default address");
        var work = Directory.CreateTempSubdirectory("greeter-python-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(work.FullName, "helloworld.proto"), HelloWorldProto);
            await File.WriteAllTextAsync(Path.Combine(work.FullName, "greeter_client.py"), GreeterClientPy);
            await Python.GenerateAsync(work.FullName, "helloworld.proto");

            await using var server = await GreeterServer.StartOnDefaultAddressAsync();
            output.WriteLine($"server listening on {server.Address}");

            var client = await Python.RunAsync(work.FullName, "greeter_client.py");

            Assert.True(client.ExitCode == 0, $"the Python client failed: {client.Output}{Environment.NewLine}server: {server.Transcript}");
            Assert.Equal("Greeter client received: Hello, World", client.Output.Trim());

            server.Terminate();
            var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(10));
            Assert.True(exitCode == 0, $"exit code {exitCode}; output:{Environment.NewLine}{server.Transcript}");
            server.AssertNoErrorLogs();
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Sigterm_50OpenStreams_EveryStreamUnavailableAndExitZero()
    {
        const int Streams = 50;
        await using var server = await GreeterServer.StartAsync();
        Assert.StartsWith("http://127.0.0.1:", server.Address, StringComparison.Ordinal);

        using var channel = GrpcChannel.ForAddress(server.Address);
        var client = new Greeter.GreeterClient(channel);
        var room = Rooms.Unique();
        await client.PublishAsync(new PublishRequest { Room = room, Text = "before" }).ResponseAsync.DefaultTimeout();
        var calls = Enumerable.Range(0, Streams)
            .Select(_ => client.Subscribe(new SubscribeRequest { Room = room, Epoch = "stale" }))
            .ToList();
        try
        {
            // The replayed event arriving on a stream proves that stream is subscribed.
            foreach (var call in calls)
            {
                Assert.Equal("before", (await call.ResponseStream.ReadNextAsync()).Text);
            }

            var outcomes = calls.Select(static call => call.ResponseStream.ReadUntilErrorAsync(TimeSpan.FromSeconds(15))).ToList();
            server.Terminate();
            var errors = await Task.WhenAll(outcomes).DefaultTimeout(TimeSpan.FromSeconds(15));
            var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(10));

            Assert.All(errors, error =>
            {
                Assert.Equal(StatusCode.Unavailable, error.StatusCode);
                Assert.Contains("shutting down", error.Status.Detail, StringComparison.Ordinal);
            });
            Assert.True(exitCode == 0, $"exit code {exitCode}; output:{Environment.NewLine}{server.Transcript}");
            server.AssertNoErrorLogs();
        }
        finally
        {
            foreach (var call in calls)
            {
                call.Dispose();
            }
        }
    }

    private static bool IsListening(int port)
    {
        try
        {
            using var probe = new TcpClient();
            probe.Connect("localhost", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

}
