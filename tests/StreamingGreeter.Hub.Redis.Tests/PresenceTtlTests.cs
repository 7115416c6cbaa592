namespace StreamingGreeter.Hub.Redis.Tests;

/// <summary>Hub:Redis:PresenceTtl: how long a node's members outlive it in rooms' presence.</summary>
public sealed class PresenceTtlTests
{
    [Theory]
    [InlineData("00:00:00.5")]
    [InlineData("02:00:00")]
    public void Constructor_PresenceTtlOutOfRange_ThrowsNamingKeyAndValue(string ttl)
    {
        var options = new RedisBroadcastHubOptions { Configuration = "127.0.0.1:1", PresenceTtl = TimeSpan.Parse(ttl, System.Globalization.CultureInfo.InvariantCulture) };

        var error = Assert.Throws<ArgumentException>(() => new RedisBroadcastHub(new BroadcastHubOptions(), options));

        Assert.Contains($"Hub:Redis:PresenceTtl is \"{options.PresenceTtl}\": it must be from 00:00:01 to 01:00:00", error.Message, StringComparison.Ordinal);
    }
}
