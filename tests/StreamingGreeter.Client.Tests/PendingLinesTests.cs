using StreamingGreeter.Client.Commands;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Tests;

/// <summary>The chat client's unconfirmed lines: confirmed by the member's own echo, in order, and sent again in order.</summary>
public sealed class PendingLinesTests
{
    [Fact]
    public void Confirm_OwnEchoesInOrder_ConfirmsOldestFirst()
    {
        var pending = new PendingLines("ann");
        pending.Add("one");
        pending.Add("two");
        pending.Add("three");

        Assert.True(pending.Confirm(Message("ann", "one")));
        Assert.True(pending.Confirm(Message("ann", "two")));

        Assert.Equal(["three"], Texts(pending.Unconfirmed()));
    }

    [Fact]
    public void Confirm_EchoOfALaterLine_ConfirmsNothing()
    {
        var pending = new PendingLines("ann");
        pending.Add("one");
        pending.Add("two");

        Assert.False(pending.Confirm(Message("ann", "two")));

        Assert.Equal(["one", "two"], Texts(pending.Unconfirmed()));
    }

    [Fact]
    public void Confirm_SameTextFromSomeoneElse_ConfirmsNothing()
    {
        var pending = new PendingLines("ann");
        pending.Add("hello");

        Assert.False(pending.Confirm(Message("bob", "hello")));
        Assert.False(pending.Confirm(new ChatEvent { Kind = ChatEvent.Types.Kind.Joined, Sender = "ann", Text = "hello" }));

        Assert.Equal(["hello"], Texts(pending.Unconfirmed()));
    }

    [Fact]
    public void Confirm_RepeatedText_ConfirmsOneLinePerEcho()
    {
        var pending = new PendingLines("ann");
        pending.Add("again");
        pending.Add("again");

        Assert.True(pending.Confirm(Message("ann", "again")));

        Assert.Equal(["again"], Texts(pending.Unconfirmed()));
    }

    [Fact]
    public void Unconfirmed_AfterReplayConfirmedSome_ResendsTheRestInOrderBeforeNewLines()
    {
        var pending = new PendingLines("ann");
        pending.Add("a");
        pending.Add("b");
        pending.Add("c");
        // The next call's replay brings the echo of "a" only: "b" and "c" died with the connection.
        Assert.True(pending.Confirm(Message("ann", "a")));

        var resend = Texts(pending.Unconfirmed());
        pending.Add("d");

        Assert.Equal(["b", "c"], resend);
        Assert.Equal(["b", "c", "d"], Texts(pending.Unconfirmed()));
    }

    [Fact]
    public void IsOwnJoined_OnlyThisMembersJoined()
    {
        var pending = new PendingLines("ann");

        Assert.True(pending.IsOwnJoined(new ChatEvent { Kind = ChatEvent.Types.Kind.Joined, Sender = "ann" }));
        Assert.False(pending.IsOwnJoined(new ChatEvent { Kind = ChatEvent.Types.Kind.Joined, Sender = "bob" }));
        Assert.False(pending.IsOwnJoined(new ChatEvent { Kind = ChatEvent.Types.Kind.Left, Sender = "ann" }));
        Assert.False(pending.IsOwnJoined(Message("ann", "")));
    }

    [Fact]
    public async Task AllConfirmedAsync_CompletesWhenTheLastLineIsConfirmed()
    {
        var pending = new PendingLines("ann");
        Assert.True(pending.AllConfirmedAsync().IsCompleted);
        pending.Add("one");
        pending.Add("two");

        var allConfirmed = pending.AllConfirmedAsync();
        pending.Confirm(Message("ann", "one"));
        Assert.False(allConfirmed.IsCompleted);
        pending.Confirm(Message("ann", "two"));

        await allConfirmed.DefaultTimeout();
        Assert.Equal(0, pending.Count);
    }

    [Fact]
    public void Confirm_EchoWithAnotherMessageId_ConfirmsNothingEvenWithTheSameText()
    {
        var pending = new PendingLines("ann");
        var line = pending.Add("hello");

        // The same member, from another terminal, said the same thing.
        Assert.False(pending.Confirm(Echo(new ChatMessage { Text = "hello", MessageId = "another" })));
        Assert.True(pending.Confirm(Echo(line)));
        Assert.Equal(0, pending.Count);
    }

    [Fact]
    public void Unconfirmed_SentAgain_KeepsEachLinesMessageId()
    {
        var pending = new PendingLines("ann");
        var one = pending.Add("one");
        var two = pending.Add("two");

        Assert.Equal(32, one.MessageId.Length);
        Assert.NotEqual(one.MessageId, two.MessageId);
        Assert.Equal([one.MessageId, two.MessageId], pending.Unconfirmed().Select(static message => message.MessageId));
    }

    private static ChatEvent Message(string sender, string text) =>
        new() { Kind = ChatEvent.Types.Kind.Message, Sender = sender, Text = text };

    private static ChatEvent Echo(ChatMessage line) =>
        new() { Kind = ChatEvent.Types.Kind.Message, Sender = "ann", Text = line.Text, MessageId = line.MessageId };

    private static string[] Texts(ChatMessage[] lines) => [.. lines.Select(static line => line.Text)];
}
