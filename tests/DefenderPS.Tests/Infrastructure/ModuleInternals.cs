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
        StaticProperty("DefenderPS.Authentication.ClientSecretTokenSource", "HttpClientFactoryOverride").SetValue(null, factory);

    /// <summary>The clock new sessions take their time from.</summary>
    public static void SetClock(TimeProvider clock) =>
        StaticProperty("DefenderPS.Session.DefenderSession", "Clock").SetValue(null, clock);

    private static PropertyInfo StaticProperty(string type, string name) =>
        Module.GetType(type, throwOnError: true)!.GetProperty(name, BindingFlags.NonPublic | BindingFlags.Static)
        ?? throw new MissingMemberException(type, name);
}

/// <summary>Sends MSAL's https requests to the fake on loopback, keeping path and query.</summary>
public sealed class LoopbackMsalHttpClientFactory(Uri fake) : IMsalHttpClientFactory
{
    private readonly HttpClient _client = new(new RedirectHandler(fake) { InnerHandler = new SocketsHttpHandler() });

    public HttpClient GetHttpClient() => _client;

    private sealed class RedirectHandler(Uri fake) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.RequestUri = new Uri(fake, request.RequestUri!.PathAndQuery);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
