using System.Management.Automation;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Authentication.AuthTestKit;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests.Authentication;

/// <summary>
/// -SecretName and -Vault: the client secret comes from Get-Secret, found through the caller's module path.
/// A stand-in module named Microsoft.PowerShell.SecretManagement plays the real one.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class SecretManagementTests : IClassFixture<ModuleFixture>, IDisposable
{
    private const string StandIn = """
        $script:Vaults = [ordered]@{
            Contoso = @{
                'defender-app'   = 'SECURE:fake-client-secret'
                'defender-plain' = 'fake-client-secret'
                'defender-table' = @{ ClientSecret = 'fake-client-secret' }
            }
            Locked = $null
        }

        function Get-Secret {
            [CmdletBinding()]
            param([Parameter(Mandatory, Position = 0)][string] $Name, [Parameter(Position = 1)][string] $Vault, [switch] $AsPlainText)
            $script:Calls++
            foreach ($vaultName in @(if ($Vault) { $Vault } else { $script:Vaults.Keys })) {
                if (-not $script:Vaults.Contains($vaultName)) {
                    throw "Vault $vaultName does not exist in the registry."
                }
                if ($null -eq $script:Vaults[$vaultName]) {
                    throw "Vault $vaultName is locked: run Unlock-SecretStore."
                }
                $value = $script:Vaults[$vaultName][$Name]
                if ($value -is [string] -and $value.StartsWith('SECURE:')) {
                    $secure = [System.Security.SecureString]::new()
                    foreach ($c in $value.Substring(7).ToCharArray()) { $secure.AppendChar($c) }
                    return $secure
                }
                if ($null -ne $value) { return $value }
            }
            $record = [System.Management.Automation.ErrorRecord]::new(
                [System.Management.Automation.ItemNotFoundException]::new("The secret $Name was not found."),
                'GetSecretNotFound', 'ObjectNotFound', $Name)
            $PSCmdlet.WriteError($record)
        }

        function Get-SecretCallCount { $script:Calls }
        """;

    private readonly ModuleFixture _module;
    private readonly string _modules = Directory.CreateTempSubdirectory("defenderps-modules-").FullName;
    private readonly string? _originalModulePath = Environment.GetEnvironmentVariable("PSModulePath");

    public SecretManagementTests(ModuleFixture module)
    {
        _module = module;
        var folder = Directory.CreateDirectory(Path.Combine(_modules, "Microsoft.PowerShell.SecretManagement")).FullName;
        File.WriteAllText(Path.Combine(folder, "Microsoft.PowerShell.SecretManagement.psm1"), StandIn);
        module.Run("Remove-Module Microsoft.PowerShell.SecretManagement -ErrorAction SilentlyContinue");
    }

    public void Dispose()
    {
        _module.Run("Remove-Module Microsoft.PowerShell.SecretManagement -ErrorAction SilentlyContinue");
        Environment.SetEnvironmentVariable("PSModulePath", _originalModulePath);
        Directory.Delete(_modules, recursive: true);
    }

    [Fact]
    public void A_secret_kept_in_a_vault_signs_in_without_appearing_anywhere()
    {
        UseStandIn();
        var since = _module.Api.Requests.Count;

        var result = _module.Run($"""
            $VerbosePreference = 'Continue'
            $session = Connect-Defender -TenantId {Tenant} -ClientId {ClientId} -SecretName defender-app -Vault Contoso -ApiUri '{_module.Api.BaseUri}' -PassThru
            $session
            $session | Out-Default
            Get-DefenderAlertUser {A1}
            Get-SecretCallCount
            """).AssertNoErrors();

        var session = result.Output[0];
        Assert.Equal("ClientSecret", session.Str("AuthenticationKind"));
        Assert.Equal("client secret from SecretManagement: 'defender-app' in vault 'Contoso'", session.Str("Credential"));
        Assert.Equal("user1", result.Output[1].Str("AccountName"));
        Assert.Equal(1, result.Output[2].BaseObject);
        Assert.Equal("client_secret", Assert.Single(_module.Api.TokenRequests(since)).Form!["fake_verified_by"]);
        Assert.DoesNotContain(ClientSecret, result.AllText);
    }

    [Fact]
    public void A_secret_stored_as_a_plain_string_works_too_and_the_vault_may_be_left_out()
    {
        UseStandIn();

        var result = _module.Run($"Connect-Defender -TenantId {Tenant} -ClientId {ClientId} -SecretName defender-plain -ApiUri '{_module.Api.BaseUri}' -PassThru").AssertNoErrors();

        Assert.Equal("client secret from SecretManagement: 'defender-plain' in the default vaults", result.Output.Single().Str("Credential"));
    }

    [Theory]
    [InlineData("-SecretName missing -Vault Contoso", "DefenderPS.SecretNotFound", ErrorCategory.ObjectNotFound, "'missing' was not found in vault 'Contoso'")]
    [InlineData("-SecretName defender-table -Vault Contoso", "DefenderPS.SecretNotAString", ErrorCategory.InvalidType, "not a string or SecureString")]
    [InlineData("-SecretName defender-app -Vault Locked", "DefenderPS.SecretManagementFailed", ErrorCategory.ReadError, "Vault Locked is locked")]
    public void A_secret_that_cannot_be_used_says_which_problem_it_is_before_any_request(string parameters, string errorId, ErrorCategory category, string says)
    {
        UseStandIn();
        var since = _module.Api.Requests.Count;

        var result = _module.Run($"Connect-Defender -TenantId {Tenant} -ClientId {ClientId} {parameters}");

        var error = Assert.Single(result.Errors);
        Assert.Equal($"{errorId},DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Contains(says, error.ErrorDetails.Message);
        Assert.Equal(since, _module.Api.Requests.Count);
        Assert.DoesNotContain(ClientSecret, result.AllText);
    }

    [Fact]
    public void Without_SecretManagement_installed_the_error_says_how_to_install_it()
    {
        Environment.SetEnvironmentVariable("PSModulePath", _modules + "-does-not-exist");

        var result = _module.Run($"Connect-Defender -TenantId {Tenant} -ClientId {ClientId} -SecretName defender-app");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.SecretManagementMissing,DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.NotInstalled, error.CategoryInfo.Category);
        Assert.Contains("Install-PSResource Microsoft.PowerShell.SecretManagement", error.ErrorDetails.Message);
    }

    private void UseStandIn() =>
        Environment.SetEnvironmentVariable("PSModulePath", _modules + Path.PathSeparator + _originalModulePath);
}
