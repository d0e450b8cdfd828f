using System.Management.Automation.Runspaces;
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
    /// Points MSAL's token requests from sessions connected in <paramref name="runspace"/> at the fake (MSAL itself refuses
    /// a non-https authority); null lets MSAL go where it would. The hook takes a plain <see cref="HttpMessageHandler"/>
    /// because the module's MSAL types are not this test assembly's.
    /// </summary>
    public static void SetMsalHttpHandler(Runspace runspace, HttpMessageHandler? handler) =>
        SetEnvironment(runspace, "MsalHttpHandler", handler);

    /// <summary>The clock sessions connected in <paramref name="runspace"/> take their time from.</summary>
    public static void SetClock(Runspace runspace, TimeProvider clock) => SetEnvironment(runspace, "Clock", clock);

    /// <summary>
    /// How many objects the lists of <paramref name="session"/> (a DefenderSession) ask for per page: the service's cap is
    /// 10,000, so tests reach the page boundary with a handful of objects instead.
    /// </summary>
    public static void SetListPageSize(object session, int size)
    {
        const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        var client = session.GetType().GetProperty("Client", Instance)!.GetValue(session)!;
        client.GetType().GetProperty("ListPageSize", Instance)!.SetValue(client, size);
    }

    /// <summary>Each runspace has its own SessionEnvironment, so test classes with their own runspaces never share a hook.</summary>
    private static void SetEnvironment(Runspace runspace, string property, object? value)
    {
        var type = Engine.GetType("DefenderPS.Session.SessionEnvironment", throwOnError: true)!;
        var environment = type.GetMethod("For", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [runspace]);
        (type.GetProperty(property) ?? throw new MissingMemberException(type.Name, property)).SetValue(environment, value);
    }
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
