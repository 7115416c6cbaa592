using System.Net;
using System.Text.Json;

namespace StreamingGreeter.Tests;

/// <summary>A response of the web endpoint, its body read line by line as a browser's EventSource reads it.</summary>
public sealed class EventStream : IDisposable
{
    private readonly StreamReader? _reader;

    private EventStream(HttpResponseMessage response, StreamReader? reader, string? body)
    {
        Response = response;
        _reader = reader;
        Body = body;
    }

    public HttpResponseMessage Response { get; }

    public HttpStatusCode Status => Response.StatusCode;

    /// <summary>The whole body of a response that is not an event stream (a refusal).</summary>
    public string? Body { get; }

    /// <summary>Comment lines seen so far (heartbeats).</summary>
    public List<string> Comments { get; } = [];

    public static async Task<EventStream> OpenAsync(HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            return new EventStream(response, null, await response.Content.ReadAsStringAsync().DefaultTimeout());
        }

        var body = await response.Content.ReadAsStreamAsync().DefaultTimeout();
        return new EventStream(response, new StreamReader(body), null);
    }

    /// <summary>The refusal's problem details.</summary>
    public JsonElement Problem()
    {
        Assert.Equal("application/problem+json", Response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(Body!).RootElement;
    }

    /// <summary>One line of the body, or null at its end.</summary>
    public Task<string?> ReadLineAsync() => Reader.ReadLineAsync().DefaultTimeout();

    /// <summary>The next event, comments set aside; null when the stream ends.</summary>
    public async Task<ServerEvent?> ReadAsync()
    {
        string? id = null;
        string? type = null;
        var data = new List<string>();
        while (await ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    return new ServerEvent(id, type ?? "message", string.Join('\n', data));
                }

                continue;
            }

            if (line[0] == ':')
            {
                Comments.Add(line);
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            value = value.StartsWith(' ') ? value[1..] : value;
            switch (field)
            {
                case "id":
                    id = value;
                    break;
                case "event":
                    type = value;
                    break;
                case "data":
                    data.Add(value);
                    break;
                default:
                    break;
            }
        }

        return null;
    }

    /// <summary>The next event, which must be of <paramref name="type"/>.</summary>
    public async Task<ServerEvent> ReadAsync(string type)
    {
        var next = await ReadAsync();
        Assert.NotNull(next);
        Assert.Equal(type, next.Type);
        return next;
    }

    public void Dispose()
    {
        _reader?.Dispose();
        Response.Dispose();
    }

    private StreamReader Reader => _reader ?? throw new InvalidOperationException($"not an event stream: {(int)Status} {Body}");
}
