using System.Collections.Generic;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace DefenderPS.Session;

/// <summary>
/// The session that cmdlets use when -Session is not given, and every session connected and not yet
/// disconnected (Get-DefenderSession -All). One of each per runspace, so parallel runspaces
/// (ForEach-Object -Parallel, hosted engines) never see each other's default.
/// </summary>
internal static class DefaultSession
{
    private sealed class Holder
    {
        public readonly List<DefenderSession> Connected = new();
        public DefenderSession? Session;
    }

    private static readonly ConditionalWeakTable<Runspace, Holder> ByRunspace = new();

    public static DefenderSession? Get() => HolderOf(Runspace.DefaultRunspace)?.Session;

    public static void Set(DefenderSession? session)
    {
        var holder = HolderOf(Runspace.DefaultRunspace);
        if (holder is not null)
        {
            lock (holder)
            {
                holder.Session = session;
                if (session is not null && !holder.Connected.Contains(session))
                {
                    holder.Connected.Add(session);
                }
            }
        }
    }

    /// <summary>The sessions connected in this runspace and still connected, oldest first.</summary>
    public static IReadOnlyList<DefenderSession> All()
    {
        var holder = HolderOf(Runspace.DefaultRunspace);
        if (holder is null)
        {
            return new DefenderSession[0];
        }

        lock (holder)
        {
            holder.Connected.RemoveAll(s => !s.IsConnected);
            return holder.Connected.ToArray();
        }
    }

    private static Holder? HolderOf(Runspace? runspace) =>
        runspace is null ? null : ByRunspace.GetValue(runspace, _ => new Holder());
}
