using System;
using System.Management.Automation.Runspaces;
using System.Net.Http;
using System.Runtime.CompilerServices;

namespace DefenderPS.Session;

/// <summary>
/// What sessions connected in one runspace take from their surroundings: the clock, and where MSAL sends its requests.
/// The defaults are the real ones; tests replace them for their own runspace only, so test classes can run in parallel.
/// </summary>
internal sealed class SessionEnvironment
{
    private static readonly ConditionalWeakTable<Runspace, SessionEnvironment> ByRunspace = new();

    /// <summary>Where budgets, token times and connection times take time from.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Tests only: MSAL's requests go through this handler (MSAL itself refuses the fake's http authority).</summary>
    public HttpMessageHandler? MsalHttpHandler { get; set; }

    /// <summary>The environment of the runspace the current command runs in.</summary>
    public static SessionEnvironment Current => For(Runspace.DefaultRunspace);

    public static SessionEnvironment For(Runspace? runspace) =>
        runspace is null ? new SessionEnvironment() : ByRunspace.GetValue(runspace, _ => new SessionEnvironment());
}
