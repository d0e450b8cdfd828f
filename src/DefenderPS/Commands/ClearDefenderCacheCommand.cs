using System.Management.Automation;

namespace DefenderPS.Commands;

/// <summary>Forgets every GET answer the session keeps for -CacheTtl, so the next lookups ask the API again.</summary>
[Cmdlet(VerbsCommon.Clear, "DefenderCache")]
[OutputType(typeof(void))]
public sealed class ClearDefenderCacheCommand : DefenderSessionCmdlet
{
    protected override void EndProcessing()
    {
        if (ActiveSession.Cache is null)
        {
            WriteVerbose($"{ActiveSession} keeps no cache (connect with -CacheTtl to keep one).");
            return;
        }

        ActiveSession.Cache.Clear();
        WriteVerbose($"Cleared the cache of {ActiveSession}.");
    }
}
