using StreamingGreeter.Client.Connection;

namespace StreamingGreeter.Client.Tests.Units;

/// <summary>The values of --address: one URL, a list of the same scheme, or one dns:/// name; anything else named in the error.</summary>
public sealed class ServerAddressesTests
{
    private const string Example = "http://localhost:50051";

    [Theory]
    [InlineData("http://localhost:50051", "http://localhost:50051", false, true)]
    [InlineData("http://127.0.0.1:50051/", "http://127.0.0.1:50051", false, true)]
    [InlineData("https://greeter.example:8443", "https://greeter.example:8443", true, false)]
    [InlineData("https://greeter.example", "https://greeter.example", true, false)]
    [InlineData("http://[::1]:50051", "http://[::1]:50051", false, true)]
    [InlineData("https://[2001:db8::7]:443", "https://[2001:db8::7]", true, false)]
    public void TryParse_OneUrl_SingleAddress(string value, string display, bool tls, bool loopback)
    {
        var addresses = Parse(value);

        Assert.True(addresses.IsSingle);
        Assert.False(addresses.IsDns);
        Assert.Equal(display, addresses.Display);
        Assert.Equal(tls, addresses.UseTls);
        Assert.Equal(loopback, addresses.AreLoopback);
    }

    [Fact]
    public void TryParse_IPv6_KeepsHostAndPort()
    {
        var uri = Assert.Single(Parse("http://[::1]:50051").Uris);

        Assert.Equal("[::1]", uri.Host);
        Assert.Equal(50051, uri.Port);
    }

    [Fact]
    public void TryParse_List_EveryAddressInOrder()
    {
        var addresses = Parse("http://127.0.0.1:50051", "http://127.0.0.1:50052", "http://10.0.0.5:50051");

        Assert.False(addresses.IsSingle);
        Assert.Equal([50051, 50052, 50051], addresses.Uris.Select(static uri => uri.Port));
        Assert.Equal("http://127.0.0.1:50051, http://127.0.0.1:50052, http://10.0.0.5:50051", addresses.Display);
        Assert.False(addresses.AreLoopback);
    }

    [Fact]
    public void TryParse_DnsName_OneBalancedAddress()
    {
        var addresses = Parse("dns:///localhost:50051");

        Assert.True(addresses.IsDns);
        Assert.False(addresses.IsSingle);
        Assert.False(addresses.UseTls);
        Assert.True(addresses.AreLoopback);
        Assert.Equal("dns:///localhost:50051", addresses.Display);
    }

    [Theory]
    [InlineData("localhost:50051")]
    [InlineData("127.0.0.1:50051")]
    [InlineData("greeter")]
    [InlineData("ftp://greeter.example:21")]
    [InlineData("")]
    public void TryParse_NotAUrl_ErrorQuotesTheValueAndShowsTheForm(string value)
    {
        var error = Refused(value);

        Assert.Equal($"--address \"{value}\" is not an http:// or https:// URL (for example {Example}) or a dns:///HOST:PORT name", error);
    }

    [Theory]
    [InlineData("dns://resolver/greeter:50051")]
    [InlineData("dns:///greeter")]
    [InlineData("dns:///greeter:0")]
    [InlineData("dns:///greeter:65536")]
    public void TryParse_MalformedDnsName_ErrorShowsTheForm(string value)
    {
        Assert.Equal($"--address \"{value}\" must have the form dns:///HOST:PORT (for example dns:///greeter.internal:50051)", Refused(value));
    }

    [Fact]
    public void TryParse_MixedSchemes_Refused()
    {
        Assert.Equal(
            "--address: all addresses must have the same scheme (got http:// and https://)",
            Refused("http://127.0.0.1:50051", "https://127.0.0.1:50052"));
    }

    [Fact]
    public void TryParse_DnsNameWithOthers_Refused()
    {
        Assert.Equal(
            "--address: a dns:/// name stands for all of its addresses and cannot be combined with other addresses",
            Refused("dns:///greeter:50051", "dns:///other:50051"));
    }

    [Fact]
    public void TryParse_NoValue_Refused()
    {
        Assert.Equal("--address needs a value", Refused());
    }

    private static ServerAddresses Parse(params string[] values)
    {
        Assert.True(ServerAddresses.TryParse(values, Example, out var addresses, out var error), error);
        Assert.Null(error);
        return addresses!;
    }

    private static string Refused(params string[] values)
    {
        Assert.False(ServerAddresses.TryParse(values, Example, out var addresses, out var error));
        Assert.Null(addresses);
        return error!;
    }
}
