using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StreamingGreeter.AspNetCore;
using StreamingGreeter.AspNetCore.Security;
using StreamingGreeter.Hub;
using StreamingGreeter.Hub.Redis;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>A setting out of range is refused at start naming its key as configured and its value.</summary>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("Greeter:MaxStreamsPerConnection", "0", "Greeter:MaxStreamsPerConnection is 0: it must be between 1 and 100000")]
    [InlineData("Greeter:MaxReceiveMessageSize", "100", "Greeter:MaxReceiveMessageSize is 100: it must be between 1024 and 16777216")]
    [InlineData("Greeter:ChatJoinTimeout", "00:00:00.05", "Greeter:ChatJoinTimeout is 00:00:00.05: it must be between 00:00:00.1 and 01:00:00")]
    [InlineData("Greeter:PublishesPerSecond", "-1", "Greeter:PublishesPerSecond is -1: it must be between 0 and 10000000")]
    [InlineData("Greeter:PresenceReadsPerSecond", "-1", "Greeter:PresenceReadsPerSecond is -1: it must be between 0 and 10000000")]
    [InlineData("Greeter:MaxEventBytes", "0", "Greeter:MaxEventBytes is 0: it must be between 1 and 16777216")]
    public void Greeter_ValueOutOfRange_FailureNamesKeyAndValue(string key, string value, string expected)
    {
        var error = Failure<StreamingGreeterOptions>(key, value);

        Assert.Equal([expected], error.Failures);
    }

    [Theory]
    [InlineData("Hub:SubscriberBufferCapacity", "0", "Hub:SubscriberBufferCapacity is 0: it must be between 1 and 1000000")]
    [InlineData("Hub:MaxHistoryBytesPerRoom", "1024", "Hub:MaxHistoryBytesPerRoom is 1024: it must be between 65536 and 1073741824")]
    [InlineData("Hub:IdleRoomTimeout", "31.00:00:00", "Hub:IdleRoomTimeout is 31.00:00:00: it must be between 00:00:01 and 30.00:00:00")]
    [InlineData("Hub:SlowSubscriberPolicy", "7", "Hub:SlowSubscriberPolicy is 7: it must be one of Disconnect, DropOldest")]
    public void Hub_ValueOutOfRange_FailureNamesKeyAndValue(string key, string value, string expected)
    {
        var error = Failure<BroadcastHubOptions>(key, value);

        Assert.Equal([expected], error.Failures);
    }

    [Theory]
    [InlineData("Auth:ClockSkew", "00:06:00", "Auth:ClockSkew is 00:06:00: it must be between 00:00:00 and 00:05:00")]
    [InlineData("Auth:Mode", "3", "Auth:Mode is 3: it must be None or Jwt")]
    public void Auth_ValueOutOfRange_FailureNamesKeyAndValue(string key, string value, string expected)
    {
        var error = Failure<GreeterAuthOptions>(key, value);

        Assert.Equal([expected], error.Failures);
    }

    [Theory]
    [InlineData("Hub:Redis:KeyPrefix", "", "Hub:Redis:KeyPrefix is \"\": it must not be empty")]
    [InlineData("Hub:Redis:Configuration", ",", "Hub:Redis:Configuration is \",\": it must name an endpoint as host:port")]
    public void HubRedis_BadValue_FailureNamesKeyAndValue(string key, string value, string expected)
    {
        var error = Failure<RedisBroadcastHubOptions>(key, value, defaults: new() { ["Hub:Redis:Configuration"] = "127.0.0.1:6379" });

        Assert.StartsWith(expected, Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void Hub_TwoValuesOutOfRange_OneFailureEach()
    {
        var error = Failure<BroadcastHubOptions>("Hub:HistorySize", "-1", new() { ["Hub:MaxRooms"] = "0" });

        Assert.Equal(
            ["Hub:HistorySize is -1: it must be between 0 and 1000000", "Hub:MaxRooms is 0: it must be between 1 and 10000000"],
            error.Failures.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ConfiguredInCode_ValueOutOfRange_FailureNamesPropertyAndValue()
    {
        var services = new ServiceCollection();
        services.AddStreamingGreeter(static greeter => greeter.WriteTimeout = TimeSpan.FromMinutes(11))
            .ConfigureHub(static hub => hub.DeduplicationMaxIds = 0);
        using var provider = services.BuildServiceProvider();

        var greeter = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<StreamingGreeterOptions>>().Value);
        var hub = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<BroadcastHubOptions>>().Value);

        Assert.Equal(["Greeter:WriteTimeout is 00:11:00: it must be between 00:00:00.1 and 00:10:00"], greeter.Failures);
        Assert.Equal(["Hub:DeduplicationMaxIds is 0: it must be between 1 and 1000000"], hub.Failures);
    }

    [Fact]
    public void Defaults_AreValid()
    {
        var services = new ServiceCollection();
        services.AddStreamingGreeter();
        services.AddRedisBroadcastHub(static redis => redis.Configuration = "127.0.0.1:6379");
        using var provider = services.BuildServiceProvider();

        _ = provider.GetRequiredService<IOptions<StreamingGreeterOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<BroadcastHubOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<GreeterAuthOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<RedisBroadcastHubOptions>>().Value;
    }

    /// <summary>The failure an app embedding the Greeter gets, its sections bound from configuration as the host binds them.</summary>
    private static OptionsValidationException Failure<TOptions>(string key, string value, Dictionary<string, string?>? defaults = null)
        where TOptions : class
    {
        var settings = new Dictionary<string, string?>(defaults ?? []) { [key] = value };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddStreamingGreeter();
        services.AddRedisBroadcastHub();
        services.Configure<StreamingGreeterOptions>(configuration.GetSection("Greeter"));
        services.Configure<BroadcastHubOptions>(configuration.GetSection("Hub"));
        services.Configure<GreeterAuthOptions>(configuration.GetSection("Auth"));
        services.Configure<RedisBroadcastHubOptions>(configuration.GetSection("Hub:Redis"));
        using var provider = services.BuildServiceProvider();
        return Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TOptions>>().Value);
    }
}
