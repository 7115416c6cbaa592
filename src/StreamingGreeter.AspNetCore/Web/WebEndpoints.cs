using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace StreamingGreeter.AspNetCore.Web;

/// <summary>
/// Which Kestrel endpoints are web endpoints (<c>UseStreamingGreeterWeb</c>). Once any is, the web routes answer only
/// there: elsewhere (the HTTP/2-only gRPC endpoint) they are not found. An app that marks none serves them wherever
/// it routes them.
/// </summary>
internal sealed class WebEndpoints
{
    private readonly ConcurrentDictionary<int, bool> _ports = new();
    private volatile bool _restricted;

    /// <summary>An endpoint was marked: from now on the web routes are served only on marked ones.</summary>
    public void Restrict() => _restricted = true;

    /// <summary>
    /// Notes the local port of a connection to a marked endpoint, before any of its requests: an endpoint bound to
    /// port 0 learns its port only when it is bound.
    /// </summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => connection =>
    {
        if (connection.LocalEndPoint is IPEndPoint { Port: var port })
        {
            _ports.TryAdd(port, true);
        }

        return next(connection);
    };

    public bool Serves(HttpContext http) => !_restricted || _ports.ContainsKey(http.Connection.LocalPort);
}
