using System.Globalization;
using Grpc.Core;
using StreamingGreeter.Client.Output;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Connection;

/// <summary>
/// Runs a long-lived call again and again until it ends on its own: after a transient failure it waits with
/// exponential backoff and jitter, says so on standard error, and starts the next attempt on a fresh channel. The
/// attempt itself resumes where the last one stopped (see <see cref="EventSequence"/>).
/// </summary>
/// <remarks>
/// Until a server has answered, failing to reach one or to agree a connection with it (no TLS, or TLS where none is
/// spoken) is an error, not a reason to wait: the user most likely has the wrong address or scheme. Only an answer —
/// a response, or a status the server itself sent — proves a server is there; once one has answered, its absence is
/// taken as a restart and waited out, for ever or for <c>giveUpAfter</c> since the connection was lost.
/// </remarks>
internal sealed class Reconnector(ServerAddresses address, TimeSpan? giveUpAfter, Backoff backoff, TextWriter status, TimeProvider? timeProvider = null)
{
    // The waits and the give-up clock, so that tests can run them without waiting.
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>One attempt: given a client and a callback to call once the server has answered, runs the call to its end.</summary>
    public delegate Task Attempt(Greeter.GreeterClient client, Action answered, CancellationToken cancellationToken);

    public async Task RunAsync(Attempt attempt, CancellationToken cancellationToken)
    {
        var reachedServer = false;
        var failures = 0;
        var lostAt = 0L;
        while (true)
        {
            var answeredThisTime = false;
            void Answered()
            {
                if (answeredThisTime)
                {
                    return;
                }

                answeredThisTime = true;
                if (failures > 0)
                {
                    Say("reconnected");
                }

                reachedServer = true;
                failures = 0;
            }

            using var channel = GreeterChannel.Open(address);
            try
            {
                await attempt(GreeterChannel.Client(channel), Answered, cancellationToken);
                return;
            }
            catch (RpcException error) when (!cancellationToken.IsCancellationRequested && RpcFailure.IsTransient(error))
            {
                if (!reachedServer && RpcFailure.IsConnectFailure(error))
                {
                    throw;
                }

                // A transport failure before any answer (a connection that broke during its handshake) proves nothing:
                // should the next attempt fail to connect, that is still the error it is on a fresh start.
                reachedServer |= RpcFailure.IsServerAnswer(error);
                if (failures == 0)
                {
                    lostAt = _time.GetTimestamp();
                }
                else if (giveUpAfter is { } limit && _time.GetElapsedTime(lostAt) >= limit)
                {
                    Say(string.Create(CultureInfo.InvariantCulture, $"giving up after {limit.TotalSeconds:0.#} s without a connection (--timeout)"));
                    throw;
                }

                var delay = backoff.Delay(failures);
                var what = failures == 0 ? "connection lost" : "still no connection";
                Say(string.Create(CultureInfo.InvariantCulture, $"{what} ({RpcFailure.Reason(error, address)}); reconnecting in {delay.TotalSeconds:0.0} s"));
                failures++;
                await Task.Delay(delay, _time, cancellationToken);
            }
        }
    }

    private void Say(string message)
    {
        // The reason may quote the server's status detail.
        status.WriteLine("greeter: " + TerminalText.Escape(message));
        status.Flush();
    }
}
