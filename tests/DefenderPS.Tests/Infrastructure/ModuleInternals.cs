using System.Reflection;

namespace DefenderPS.Tests.Infrastructure;

/// <summary>
/// The module's internal test hooks, reached by reflection on the assembly Import-Module loaded
/// (the tests never load a second copy of DefenderPS.dll).
/// </summary>
public static class ModuleInternals
{
    /// <summary>
    /// DefenderPS.Engine as the first import's cmdlets see it, in the module's own load context (the shared context never
    /// has it). It loads with the first cmdlet that runs, so it is reached the way a script reaches the session type:
    /// through the type forwarder in DefenderPS.dll, which loads it if no cmdlet has run yet. A test that imports a copy of
    /// the module from another folder loads a second DefenderPS.dll later.
    /// </summary>
    public static Assembly Engine =>
        AppDomain.CurrentDomain.GetAssemblies().First(a => a.GetName().Name == "DefenderPS")
            .GetType("DefenderPS.Session.DefenderSession", throwOnError: true)!.Assembly;

    /// <summary>
    /// Points MSAL's token requests at the fake (MSAL itself refuses a non-https authority). The hook takes a plain
    /// <see cref="HttpMessageHandler"/> because the module's MSAL types are not this test assembly's.
    /// </summary>
    public static void SetMsalHttpHandler(HttpMessageHandler? handler) =>
        StaticProperty("DefenderPS.Authentication.MsalClients", "HttpHandlerOverride").SetValue(null, handler);

    /// <summary>The clock new sessions take their time from.</summary>
    public static void SetClock(TimeProvider clock) =>
        StaticProperty("DefenderPS.Session.DefenderSession", "Clock").SetValue(null, clock);

    private static PropertyInfo StaticProperty(string type, string name) =>
        Engine.GetType(type, throwOnError: true)!.GetProperty(name, BindingFlags.NonPublic | BindingFlags.Static)
        ?? throw new MissingMemberException(type, name);
}

/// <summary>Sends MSAL's https requests to the fake on loopback, keeping path and query, and notes where MSAL meant to send them.</summary>
public sealed class LoopbackMsalHandler(Uri fake) : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<Uri> _requested = new();

    /// <summary>The URIs MSAL asked for, before redirection, in order.</summary>
    public IReadOnlyList<Uri> Requested => _requested.ToArray();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _requested.Enqueue(request.RequestUri!);
        request.RequestUri = new Uri(fake, request.RequestUri!.PathAndQuery);
        return base.SendAsync(request, cancellationToken);
    }
}
