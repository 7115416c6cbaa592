using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Commands;

/// <summary>
/// The lines a chat member entered that the room has not echoed back yet, oldest first. A finished write proves
/// nothing — the bytes may die with the connection, or the server may publish a line whose write then failed — so a
/// line counts as delivered only when the room sends it back: the member's own MESSAGE with the same message id (with
/// the same text, from a server that does not echo ids), in order. A line not confirmed when a call ends is sent again
/// on the next one, after that call's replay has confirmed what did get through, with the id it had: should the
/// server have published it after all, it publishes it no second time.
/// </summary>
/// <remarks>
/// The receiving loop confirms while the sending loop adds, so one lock guards the queue; nothing is awaited under it.
/// </remarks>
internal sealed class PendingLines(string member)
{
    private readonly Lock _gate = new();
    private readonly Queue<ChatMessage> _lines = new();
    private TaskCompletionSource? _allConfirmed;

    /// <summary>The name the server publishes this member's events under.</summary>
    public string Member { get; } = member;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _lines.Count;
            }
        }
    }

    /// <summary>
    /// Takes a line about to be written for the first time and returns the message to write, with a message id of its
    /// own; it waits behind every line not yet confirmed.
    /// </summary>
    public ChatMessage Add(string line)
    {
        var message = new ChatMessage { Text = line, MessageId = MessageIds.New() };
        lock (_gate)
        {
            _lines.Enqueue(message);
        }

        return message;
    }

    /// <summary>
    /// Takes an event of the room, seen for the first time. Returns true when it is this member's echo of the oldest
    /// unconfirmed line, which is then confirmed. Anyone else's message, even with the same text, is not.
    /// </summary>
    public bool Confirm(ChatEvent item)
    {
        if (item.Kind != ChatEvent.Types.Kind.Message || !string.Equals(item.Sender, Member, StringComparison.Ordinal))
        {
            return false;
        }

        TaskCompletionSource? allConfirmed = null;
        lock (_gate)
        {
            // FIFO: the server publishes a call's lines in the order written, so only the oldest can be next.
            if (!_lines.TryPeek(out var oldest) || !IsEcho(item, oldest))
            {
                return false;
            }

            _lines.Dequeue();
            if (_lines.Count == 0)
            {
                allConfirmed = _allConfirmed;
                _allConfirmed = null;
            }
        }

        allConfirmed?.TrySetResult();
        return true;
    }

    /// <summary>True for this member's own JOINED: the server sends it after replaying what the member missed.</summary>
    public bool IsOwnJoined(ChatEvent item) =>
        item.Kind == ChatEvent.Types.Kind.Joined && string.Equals(item.Sender, Member, StringComparison.Ordinal);

    /// <summary>The messages to write again, oldest first, with their ids: every line not confirmed yet.</summary>
    public ChatMessage[] Unconfirmed()
    {
        lock (_gate)
        {
            return [.. _lines];
        }
    }

    /// <summary>Completes once no line is waiting for its echo (at once when none is).</summary>
    public Task AllConfirmedAsync()
    {
        lock (_gate)
        {
            if (_lines.Count == 0)
            {
                return Task.CompletedTask;
            }

            _allConfirmed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _allConfirmed.Task;
        }
    }

    /// <summary>
    /// The same message id; the same text when the event carries no id (a server older than message ids), where the
    /// same line entered twice is told apart by order alone.
    /// </summary>
    private static bool IsEcho(ChatEvent item, ChatMessage line) => item.MessageId.Length > 0
        ? string.Equals(item.MessageId, line.MessageId, StringComparison.Ordinal)
        : string.Equals(item.Text, line.Text, StringComparison.Ordinal);
}
