using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using StreamingGreeter.Client.Connection;
using StreamingGreeter.Client.Input;
using StreamingGreeter.Client.Output;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Commands;

/// <summary>
/// <c>greeter publish --room R [TEXT]</c>: Publish, unary; with no TEXT, one publish per line of standard input. With
/// <c>--data-file</c> or <c>--data-base64</c> one message carries those bytes as its data, beside TEXT if given.
/// </summary>
/// <remarks>
/// Each message has a message id of its own. A publish that failed for want of a connection or a backplane may have
/// been published all the same (its reply was lost, or Redis applied it and the answer timed out), so it is sent again,
/// with the same id, until it is answered: the server publishes an id once and answers a retry with the original's
/// sequence. Until a server has answered once, failing to reach one is an error, as for every command.
/// </remarks>
internal static class PublishCommand
{
    /// <summary>How long a message is retried without --timeout, from its first failure.</summary>
    private static readonly TimeSpan DefaultRetryFor = TimeSpan.FromSeconds(30);

    private static readonly Option<string> Room = RoomOptions.Room();
    private static readonly Option<string> Sender = RoomOptions.Name("Who the message is from (optional)", required: false);

    private static readonly Argument<string[]> Text = new("TEXT")
    {
        Description = "The message (several words are joined with spaces); with none, one message per line of standard input",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static readonly Option<FileInfo> DataFile = new("--data-file")
    {
        Description = "Send the file's bytes as the message's data (one message, with TEXT if given)",
        HelpName = "PATH",
    };

    private static readonly Option<string> DataBase64 = new("--data-base64")
    {
        Description = "Send these bytes, given in base64, as the message's data (one message, with TEXT if given)",
        HelpName = "BASE64",
        Validators = { result => CheckBase64(result.GetValueOrDefault<string>(), result.AddError) },
    };

    private static readonly Option<string> ContentType = new("--content-type")
    {
        Description = "The MIME type of the data, e.g. application/json or \"text/plain; charset=utf-8\"",
        HelpName = "TYPE",
    };

    public static Command Create()
    {
        var command = new Command("publish", "Add a message to a room (unary Publish) and print its sequence and epoch")
        {
            Room,
            Sender,
            Text,
            DataFile,
            DataBase64,
            ContentType,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(DataFile) is not null && result.GetResult(DataBase64) is not null)
            {
                result.AddError("give the data with --data-file PATH or --data-base64 BASE64 (one of them)");
            }
        });
        command.SetBody(RunAsync);
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parsed, ClientContext context, CancellationToken cancellationToken)
    {
        var room = parsed.GetRequiredValue(Room);
        var sender = parsed.GetValue(Sender) ?? "";
        var words = parsed.GetValue(Text) ?? [];
        var contentType = parsed.GetValue(ContentType) ?? "";
        ByteString? data;
        try
        {
            data = ReadData(parsed);
        }
        catch (ArgumentException error)
        {
            context.Error.WriteLine("error: " + TerminalText.Escape(error.Message));
            return ExitCode.Usage;
        }

        using var channel = GreeterChannel.Open(context.Addresses);
        var client = GreeterChannel.Client(channel);
        var backoff = Backoff.Default();
        var answered = false;

        async Task PublishAsync(string text)
        {
            var request = new PublishRequest { Room = room, Sender = sender, Text = text, MessageId = MessageIds.New(), Data = data ?? ByteString.Empty, ContentType = contentType };
            var failures = 0;
            var failedAt = 0L;
            while (true)
            {
                try
                {
                    var reply = await client.PublishAsync(request, deadline: context.Deadline(), cancellationToken: cancellationToken);
                    answered = true;
                    context.Out.WriteLine(context.Format.Reply(reply));
                    context.Out.Flush();
                    return;
                }
                catch (RpcException error) when (!cancellationToken.IsCancellationRequested && MayHaveBeenLost(error)
                    && (answered || !RpcFailure.IsConnectFailure(error)))
                {
                    if (failures == 0)
                    {
                        failedAt = Stopwatch.GetTimestamp();
                    }
                    else if (Stopwatch.GetElapsedTime(failedAt) >= (context.Timeout ?? DefaultRetryFor))
                    {
                        throw;
                    }

                    var delay = backoff.Delay(failures++);
                    context.Error.WriteLine(TerminalText.Escape(string.Create(CultureInfo.InvariantCulture,
                        $"greeter: publish failed ({RpcFailure.Reason(error, context.Addresses)}); sending it again in {delay.TotalSeconds:0.0} s, with the same message id")));
                    context.Error.Flush();
                    await Task.Delay(delay, cancellationToken);
                }
            }
        }

        if (words.Length > 0 || data is not null)
        {
            await PublishAsync(string.Join(' ', words));
            return ExitCode.Ok;
        }

        await foreach (var line in StandardInput.ReadLinesAsync(cancellationToken))
        {
            if (line.Length > 0)
            {
                await PublishAsync(line);
            }
        }

        return ExitCode.Ok;
    }

    /// <summary>The bytes of --data-file or --data-base64; null when neither was given.</summary>
    private static ByteString? ReadData(ParseResult parsed)
    {
        if (parsed.GetValue(DataFile) is { } file)
        {
            try
            {
                // The array is this call's alone: wrapped, not copied a second time.
                return UnsafeByteOperations.UnsafeWrap(File.ReadAllBytes(file.FullName));
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // As a usage error: the command line named a file this user cannot read.
                throw new ArgumentException($"--data-file \"{file}\" cannot be read: {error.Message}", error);
            }
        }

        return parsed.GetValue(DataBase64) is { } base64 ? ByteString.FromBase64(base64) : null;
    }

    private static void CheckBase64(string? value, Action<string> error)
    {
        if (value is not null && !System.Buffers.Text.Base64.IsValid(value))
        {
            error("--data-base64 must be base64 (A-Z, a-z, 0-9, + and /, padded with =)");
        }
    }

    /// <summary>
    /// True when the publish may or may not have happened and asking again is safe: the server or its backplane was
    /// unavailable, or the connection broke (a status the client made up, not one the server sent).
    /// </summary>
    private static bool MayHaveBeenLost(RpcException error) =>
        error.StatusCode == StatusCode.Unavailable || (error.StatusCode == StatusCode.Internal && !RpcFailure.IsServerAnswer(error));
}
