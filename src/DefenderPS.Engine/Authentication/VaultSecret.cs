using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Security;

namespace DefenderPS.Authentication;

/// <summary>
/// Reads a client secret with Microsoft.PowerShell.SecretManagement's Get-Secret, run as a nested pipeline
/// in the caller's own runspace (so it sees the caller's module path and registered vaults), which keeps
/// DefenderPS free of any compile-time dependency on that module.
/// </summary>
internal static class VaultSecret
{
    public const string ModuleName = "Microsoft.PowerShell.SecretManagement";

    /// <summary>Must run on the pipeline thread of a running command.</summary>
    public static SecureString Read(string name, string? vault)
    {
        var where = vault is null ? "any registered vault" : $"vault '{vault}'";
        EnsureModule();

        PSObject[] found;
        using (var ps = PowerShell.Create(RunspaceMode.CurrentRunspace))
        {
            ps.AddCommand("Get-Secret").AddParameter("Name", name);
            if (vault is not null)
            {
                ps.AddParameter("Vault", vault);
            }

            try
            {
                found = ps.Invoke().Where(o => o is not null).ToArray();
            }
            catch (RuntimeException e)
            {
                throw Failed(e.ErrorRecord, name, where);
            }

            if (ps.Streams.Error.Count > 0)
            {
                throw Failed(ps.Streams.Error[0], name, where);
            }
        }

        if (found.Length == 0)
        {
            throw NotFound(name, where);
        }

        return found[0].BaseObject switch
        {
            SecureString secure when found.Length == 1 => secure,
            string plain when found.Length == 1 => ToSecureString(plain),
            _ => throw new ConnectException("SecretNotAString", ErrorCategory.InvalidType,
                $"The secret '{name}' in {where} is {Describe(found)}, not a string or SecureString. Store the client secret as a string: Set-Secret -Name '{name}' -Secret (Read-Host -AsSecureString)."),
        };
    }

    /// <summary>How Get-DefenderSession names the credential.</summary>
    public static string Describe(string name, string? vault) =>
        $"client secret from SecretManagement: '{name}' in {(vault is null ? "the default vaults" : $"vault '{vault}'")}";

    private static void EnsureModule()
    {
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddCommand("Get-Module").AddParameter("Name", ModuleName);
        if (ps.Invoke().Count > 0)
        {
            return;
        }

        ps.Commands.Clear();
        ps.AddCommand("Get-Module").AddParameter("Name", ModuleName).AddParameter("ListAvailable");
        if (ps.Invoke().Count == 0)
        {
            throw new ConnectException("SecretManagementMissing", ErrorCategory.NotInstalled,
                $"-SecretName needs the {ModuleName} module, which is not installed. Install it (Install-PSResource {ModuleName}, or Install-Module {ModuleName}), register a vault with Register-SecretVault, store the client secret with Set-Secret, then run Connect-Defender again.");
        }

        ps.Commands.Clear();
        ps.AddCommand("Import-Module").AddParameter("Name", ModuleName).AddParameter("ErrorAction", ActionPreference.Stop);
        try
        {
            ps.Invoke();
        }
        catch (RuntimeException e)
        {
            throw new ConnectException("SecretManagementFailed", ErrorCategory.ResourceUnavailable,
                $"The {ModuleName} module is installed but could not be imported: {e.Message}", e);
        }
    }

    private static ConnectException Failed(ErrorRecord error, string name, string where)
    {
        if (error.FullyQualifiedErrorId.StartsWith("GetSecretNotFound", System.StringComparison.OrdinalIgnoreCase)
            || error.Exception is ItemNotFoundException)
        {
            return NotFound(name, where);
        }

        return new ConnectException("SecretManagementFailed", ErrorCategory.ReadError,
            $"Get-Secret could not read the secret '{name}' from {where}: {error.Exception?.Message ?? error.ToString()}", error.Exception);
    }

    private static ConnectException NotFound(string name, string where) =>
        new("SecretNotFound", ErrorCategory.ObjectNotFound,
            $"The secret '{name}' was not found in {where}. List the secrets with Get-SecretInfo, or store it with Set-Secret -Name '{name}'.");

    private static string Describe(PSObject[] found) =>
        found.Length > 1 ? $"{found.Length} values" : $"a {found[0].BaseObject.GetType().Name}";

    private static SecureString ToSecureString(string plain)
    {
        var secure = new SecureString();
        foreach (var c in plain)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }
}
