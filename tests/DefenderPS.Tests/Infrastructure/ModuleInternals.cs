using System.Reflection;
using Microsoft.Identity.Client;

namespace DefenderPS.Tests.Infrastructure;

/// <summary>
/// The module's internal test hooks, reached by reflection on the assembly Import-Module loaded
/// (the tests never load a second copy of DefenderPS.dll).
/// </summary>
public static class ModuleInternals
{
    private static Assembly Module => AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "DefenderPS");

    /// <summary>Points MSAL's token requests at the fake (MSAL itself refuses a non-https authority).</summary>
    public static void SetMsalHttpClientFactory(IMsalHttpClientFactory? factory) =>
        StaticProperty("DefenderPS.Authentication.MsalClients", "HttpClientFactoryOverride").SetValue(null, factory);

    /// <summary>The clock new sessions take their time from.</summary>
    public static void SetClock(TimeProvider clock) =>
        StaticProperty("DefenderPS.Session.DefenderSession", "Clock").SetValue(null, clock);

    private static PropertyInfo StaticProperty(string type, string name) =>
        Module.GetType(type, throwOnError: true)!.GetProperty(name, BindingFlags.NonPublic | BindingFlags.Static)
        ?? throw new MissingMemberException(type, name);
}

/// <summary>Sends MSAL's https requests to the fake on loopback, keeping path and query, and notes where MSAL meant to send them.</summary>
public sealed class LoopbackMsalHttpClientFactory : IMsalHttpClientFactory
{
    private readonly HttpClient _client;
    private readonly System.Collections.Concurrent.ConcurrentQueue<Uri> _requested = new();

    public LoopbackMsalHttpClientFactory(Uri fake) =>
        _client = new(new RedirectHandler(fake, _requested) { InnerHandler = new SocketsHttpHandler() });

    /// <summary>The URIs MSAL asked for, before redirection, in order.</summary>
    public IReadOnlyList<Uri> Requested => _requested.ToArray();

    public HttpClient GetHttpClient() => _client;

    private sealed class RedirectHandler(Uri fake, System.Collections.Concurrent.ConcurrentQueue<Uri> requested) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            requested.Enqueue(request.RequestUri!);
            request.RequestUri = new Uri(fake, request.RequestUri!.PathAndQuery);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
