using Microsoft.Extensions.DependencyInjection;
using StreamingGreeter.Hub;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Web;

namespace StreamingGreeter.AspNetCore.Tests.Browser;

/// <summary>The web page in a real, headless Chromium: it follows a room live, publishes, and resumes where it left off.</summary>
public sealed class PageTests
{
    [SkippableFact]
    public async Task Page_PublishFromGrpcClient_AppearsOnThePage()
    {
        Chromium.RequirePrerequisites();
        await using var web = await WebApp.StartAsync();
        using var page = Chromium.Start();
        var room = Rooms.Unique();

        page.Open(web.Address, room);
        // Open once the stream's headers came, which the server sends after subscribing: what follows reaches the page.
        page.WaitUntil(static page => page.State == "open", "the page to join the room");
        await web.GrpcClient().PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "hello, browser" }).ResponseAsync.DefaultTimeout();

        page.WaitUntil(static page => page.Messages().Count == 1, "the published message");
        Assert.Equal(["1 ann: hello, browser"], page.Messages());
    }

    [SkippableFact]
    public async Task Page_SecondPagePublishes_FirstPageSeesIt()
    {
        Chromium.RequirePrerequisites();
        await using var web = await WebApp.StartAsync();
        using var reader = Chromium.Start();
        using var writer = Chromium.Start();
        var room = Rooms.Unique();
        reader.Open(web.Address, room);
        writer.Open(web.Address, room);
        reader.WaitUntil(static page => page.State == "open", "the first page to join the room");
        writer.WaitUntil(static page => page.State == "open", "the second page to join the room");

        writer.Publish("bob", "typed in the second page");

        reader.WaitUntil(static page => page.Messages().Count == 1, "the second page's message");
        writer.WaitUntil(static page => page.Messages().Count == 1 && page.PublishStatus == "Sent as event 1.", "the second page's own message");
        Assert.Equal(["1 bob: typed in the second page"], reader.Messages());
        Assert.Equal(["1 bob: typed in the second page"], writer.Messages());
    }

    [SkippableFact]
    public async Task Page_ServerRestartsOnSamePort_ResumesWithoutDuplicate()
    {
        Chromium.RequirePrerequisites();
        // The rooms outlive the app, as they would in Redis: the restarted server continues the same epoch.
        using var hub = new InMemoryBroadcastHub(new BroadcastHubOptions());
        var first = await WebApp.StartAsync(hub: hub);
        var port = first.Port;
        using var page = Chromium.Start();
        var room = Rooms.Unique();
        page.Open(first.Address, room);
        page.WaitUntil(static page => page.State == "open", "the page to join the room");
        await first.GrpcClient().PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "before" }).ResponseAsync.DefaultTimeout();
        page.WaitUntil(static page => page.Messages().Count == 1, "the first message");

        await first.DisposeAsync();
        // While no server listens: the page must get it from the room's history when it is back.
        await hub.PublishAsync(room, "ann", "while down").DefaultTimeout();
        await using var second = await WebApp.StartAsync(hub: hub, port: port);
        await second.GrpcClient().PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "after" }).ResponseAsync.DefaultTimeout();

        // EventSource reconnects by itself with Last-Event-ID.
        page.WaitUntil(static page => page.Messages().Count >= 3, "the messages published while the server was away and after");
        Assert.Equal(["1 ann: before", "2 ann: while down", "3 ann: after"], page.Messages());
        Assert.Equal(0, page.Duplicates);
        Assert.DoesNotContain(page.Notices(), static notice => notice.StartsWith("gap", StringComparison.Ordinal) || notice.StartsWith("epoch", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Page_ComingBackAfterLeaving_ShowsOnlyWhatItMissed()
    {
        Chromium.RequirePrerequisites();
        await using var web = await WebApp.StartAsync();
        var client = web.GrpcClient();
        using var page = Chromium.Start();
        var room = Rooms.Unique();
        page.Open(web.Address, room);
        page.WaitUntil(static page => page.State == "open", "the page to join the room");
        await client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "seen" }).ResponseAsync.DefaultTimeout();
        page.WaitUntil(static page => page.Messages().Count == 1, "the first message");

        page.Leave();
        await client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "missed" }).ResponseAsync.DefaultTimeout();
        page.Open(web.Address, room);

        // localStorage kept the last event's id: the page asks for what came after it (?after=), and only that.
        page.WaitUntil(static page => page.Messages().Count >= 1, "the message published while the page was away");
        Assert.Equal(["2 ann: missed"], page.Messages());
        Assert.Contains(page.Notices(), static notice => notice.StartsWith("resume: Resuming after event 1 ", StringComparison.Ordinal));
        Assert.Equal(0, page.Duplicates);
    }

    [SkippableFact]
    public async Task Page_EventsNoLongerKept_ShowsTheGap()
    {
        Chromium.RequirePrerequisites();
        await using var web = await WebApp.StartAsync(static greeter => greeter.ConfigureHub(static hub => hub.HistorySize = 2));
        var client = web.GrpcClient();
        using var page = Chromium.Start();
        var room = Rooms.Unique();
        page.Open(web.Address, room);
        page.WaitUntil(static page => page.State == "open", "the page to join the room");
        await client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "1" }).ResponseAsync.DefaultTimeout();
        page.WaitUntil(static page => page.Messages().Count == 1, "the first message");

        page.Leave();
        for (var i = 2; i <= 5; i++)
        {
            await client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }).ResponseAsync.DefaultTimeout();
        }

        page.Open(web.Address, room);

        page.WaitUntil(static page => page.Messages().Count >= 2, "the two messages the room still keeps");
        Assert.Equal(["4 ann: 4", "5 ann: 5"], page.Messages());
        Assert.Contains("gap: 2 events missed (2 to 3): no longer kept by the room.", page.Notices());
    }

    [SkippableFact]
    public async Task Page_ServerRestartsWithNewRooms_ShowsTheNewEpoch()
    {
        Chromium.RequirePrerequisites();
        var first = await WebApp.StartAsync();
        var port = first.Port;
        using var page = Chromium.Start();
        var room = Rooms.Unique();
        page.Open(first.Address, room);
        page.WaitUntil(static page => page.State == "open", "the page to join the room");
        await first.GrpcClient().PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "old" }).ResponseAsync.DefaultTimeout();
        page.WaitUntil(static page => page.Messages().Count == 1, "the first message");

        // An in-memory hub's rooms die with the server: the restarted one starts them in a new epoch.
        await first.DisposeAsync();
        await using var second = await WebApp.StartAsync(port: port);
        await second.GrpcClient().PublishAsync(new PublishRequest { Room = room, Sender = "bob", Text = "new" }).ResponseAsync.DefaultTimeout();

        page.WaitUntil(static page => page.Messages().Count >= 2, "the message of the new epoch");
        Assert.Equal(["1 ann: old", "1 bob: new"], page.Messages());
        Assert.Contains(page.Notices(), static notice => notice.StartsWith("epoch: The room started again", StringComparison.Ordinal));
    }
}
