using Microsoft.AspNetCore.Http.Features;

namespace StreamingGreeter.AspNetCore.Tests.Infrastructure;

/// <summary>A request's lifetime whose RequestAborted never fires; aborting the request still reaches the server.</summary>
public sealed class UnsignalledRequestLifetime(IHttpRequestLifetimeFeature inner) : IHttpRequestLifetimeFeature
{
    public CancellationToken RequestAborted
    {
        get => CancellationToken.None;
        set => inner.RequestAborted = value;
    }

    public void Abort() => inner.Abort();
}
