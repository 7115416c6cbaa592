using System.Net;

namespace StreamingGreeter.AspNetCore.Tests.Web;

/// <summary>Bad input gets 400 with problem details naming the field and the limit, by Subscribe's own rules.</summary>
public sealed class EventStreamValidationTests
{
    [Theory]
    [InlineData("bad%20room", "", "room", "must match ^[A-Za-z0-9._:-]{1,64}$")]
    [InlineData(null, "?after=nocolon", "after", "must be <epoch>:<sequence>")]
    [InlineData(null, "?after=e:x", "after", "must be <epoch>:<sequence>")]
    [InlineData(null, "?after=e:-1", "after", "after_sequence must be 0 or more (got -1)")]
    [InlineData(null, "?after=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee:1", "after", "epoch is 65 characters long; the limit is 64")]
    public async Task Events_BadInput_400NamingTheFieldAndTheLimit(string? room, string query, string field, string expected)
    {
        await using var server = await WebServer.StartAsync();

        using var events = await server.OpenAsync($"/rooms/{room ?? Rooms.Unique()}/events{query}");
        var problem = events.Problem();

        Assert.Equal(HttpStatusCode.BadRequest, events.Status);
        Assert.Equal("INVALID_ARGUMENT", problem.GetProperty("code").GetString());
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.StartsWith(field, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_MalformedLastEventId_400NamingTheHeader()
    {
        await using var server = await WebServer.StartAsync();

        using var events = await server.OpenAsync($"/rooms/{Rooms.Unique()}/events?after=e:1", static request => request.Headers.Add("Last-Event-ID", "e:-5"));
        var problem = events.Problem();

        Assert.Equal(HttpStatusCode.BadRequest, events.Status);
        Assert.Equal("Last-Event-ID", problem.GetProperty("field").GetString());
        Assert.Equal("Last-Event-ID: after_sequence must be 0 or more (got -5)", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Events_RoomAtItsSubscriberLimit_429NamingTheLimit()
    {
        await using var server = await WebServer.StartAsync("Hub:MaxSubscribersPerRoom=1");
        var room = Rooms.Unique();
        using var first = await server.OpenAsync($"/rooms/{room}/events");
        await first.ReadAsync("epoch");

        using var second = await server.OpenAsync($"/rooms/{room}/events");
        var problem = second.Problem();

        Assert.Equal(HttpStatusCode.TooManyRequests, second.Status);
        Assert.Equal("RESOURCE_EXHAUSTED", problem.GetProperty("code").GetString());
        Assert.Contains("Hub:MaxSubscribersPerRoom", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddWeb_HeartbeatIntervalOutOfRange_FailsAtStartNamingTheKey()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => WebServer.StartAsync("Web:HeartbeatInterval=00:00:00"));

        Assert.Contains("Web:HeartbeatInterval is 00:00:00: it must be between 00:00:00.01 and 01:00:00", error.Message, StringComparison.Ordinal);
    }
}
