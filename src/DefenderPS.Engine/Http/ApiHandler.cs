using System.Net;
using System.Net.Http;

namespace DefenderPS.Http;

/// <summary>The HTTP handler under a session's API traffic.</summary>
internal static class ApiHandler
{
    /// <summary>Compressed answers, and the proxy when one was given (the system proxy otherwise).</summary>
    public static HttpMessageHandler Create(IWebProxy? proxy)
    {
        var handler = new HttpClientHandler
        {
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
        };
        if (proxy is not null)
        {
            handler.Proxy = proxy;
            handler.UseProxy = true;
        }

        return handler;
    }
}
