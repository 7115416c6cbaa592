namespace StreamingGreeter.Hub.Redis;

/// <summary>Where the Redis backplane is (configuration section <c>Hub:Redis</c>).</summary>
public sealed class RedisBroadcastHubOptions
{
    /// <summary>
    /// A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c> or <c>redis1:6379,password=…,ssl=true</c>.
    /// Required. <c>abortConnect=false</c> is implied: the hub starts without Redis and connects when it can.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every key and channel the hub uses, so that several deployments can share one Redis. Default <c>streaminggreeter:</c>.</summary>
    public string KeyPrefix { get; set; } = "streaminggreeter:";

    /// <summary>
    /// How often each node checks that it delivered every room it has open up to Redis's last sequence, catching up from
    /// the room's log and re-subscribing when it did not (<c>Hub:Redis:LivenessInterval</c>). Default 2 seconds; from
    /// 100 ms to 5 minutes. One pipelined read per check for all rooms, nothing per event.
    /// </summary>
    public TimeSpan LivenessInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a node's members stay in its rooms' presence after the node stops renewing it (<c>Hub:Redis:PresenceTtl</c>):
    /// each node renews its presence every third of it, so the members of a node that died without leaving disappear
    /// within this time. Default 30 seconds; from 1 second to 1 hour. One write per room with members every TTL/3.
    /// </summary>
    public TimeSpan PresenceTtl { get; set; } = TimeSpan.FromSeconds(30);
}
