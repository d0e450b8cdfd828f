using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace DefenderPS.Session;

/// <summary>
/// The session that cmdlets use when -Session is not given. One per runspace, so parallel
/// runspaces (ForEach-Object -Parallel, hosted engines) never see each other's default.
/// </summary>
internal static class DefaultSession
{
    private sealed class Holder
    {
        public DefenderSession? Session;
    }

    private static readonly ConditionalWeakTable<Runspace, Holder> ByRunspace = new();

    public static DefenderSession? Get() => HolderOf(Runspace.DefaultRunspace)?.Session;

    public static void Set(DefenderSession? session)
    {
        var holder = HolderOf(Runspace.DefaultRunspace);
        if (holder is not null)
        {
            holder.Session = session;
        }
    }

    private static Holder? HolderOf(Runspace? runspace) =>
        runspace is null ? null : ByRunspace.GetValue(runspace, _ => new Holder());
}
