using System.Text.Json;
using Google.Protobuf;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Tests;

/// <summary>One server-sent event: its id, its type ("message" when it names none) and its data.</summary>
public sealed record ServerEvent(string? Id, string Type, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;

    /// <summary>The data of a room event, read back with protobuf's JSON parser.</summary>
    public ChatEvent ChatEvent => JsonParser.Default.Parse<ChatEvent>(Data);

    /// <summary>The sequence a room event's id names.</summary>
    public long Sequence => Id is { } id
        ? long.Parse(id[(id.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture)
        : throw new InvalidOperationException($"event {Type} has no id");
}
