using System.Reflection;
using DefenderPS.Packager;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>
/// An analyst's session already has another module that ships an older MSAL and System.Text.Json (Az.Accounts,
/// Microsoft.Graph, ExchangeOnlineManagement do), or gets one after DefenderPS. Both modules keep working with
/// their own versions, in either order. Each story runs in a fresh process: loaded assemblies cannot be unloaded.
/// </summary>
public sealed class IsolationTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    private static readonly string Packages = typeof(IsolationTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "NuGetPackageRoot").Value!;

    /// <summary>
    /// What the other module does: MSAL 4.61.3 into the shared context (as Import-Module of its dll does), System.Text.Json 6
    /// beside it (PowerShell 7's shared context always holds the runtime's own), then uses both.
    /// </summary>
    private static readonly string OtherModule = $$"""
        $null = [System.Reflection.Assembly]::LoadFrom('{{Package("microsoft.identitymodel.abstractions/6.35.0/lib/net6.0/Microsoft.IdentityModel.Abstractions.dll")}}')
        $null = [System.Reflection.Assembly]::LoadFrom('{{Package("microsoft.identity.client/4.61.3/lib/net6.0/Microsoft.Identity.Client.dll")}}')
        $otherJson = [System.Reflection.Assembly]::LoadFile('{{Package("system.text.json/6.0.11/lib/net6.0/System.Text.Json.dll")}}')
        function Use-OtherModule {
            $app = [Microsoft.Identity.Client.ConfidentialClientApplicationBuilder]::Create('11111111-1111-1111-1111-111111111111').
                WithClientSecret('other-secret').WithAuthority('https://login.microsoftonline.com/contoso.onmicrosoft.com').Build()
            $document = $otherJson.GetType('System.Text.Json.JsonDocument', $true)::Parse('{"answer":42}')
            "other module: MSAL $($app.GetType().Assembly.GetName().Version), JSON $($otherJson.GetName().Version) read $($document.RootElement.GetProperty('answer').GetInt32())"
        }
        """;

    /// <summary>The assembly version of DefenderPS.dll, DefenderPS.Loader.dll and DefenderPS.Engine.dll, from the manifest.</summary>
    private static readonly string Ours = FourPart(ModuleManifest.Read(Path.Combine(ModuleFixture.RepoRoot, "DefenderPS.psd1")).ModuleVersion);

    private static string FourPart(Version v) => new Version(v.Major, v.Minor, Math.Max(v.Build, 0), Math.Max(v.Revision, 0)).ToString();

    private static string Package(string relativePath) => Path.Combine(Packages, relativePath);

    /// <summary>Signs in with MSAL (managed identity against the fake) and walks alert → user → machines → logons.</summary>
    private string DefenderPipeline => $$"""
        $env:IDENTITY_ENDPOINT = '{{module.Api.ManagedIdentityEndpoint.AbsoluteUri}}'
        $env:IDENTITY_HEADER = '{{module.Api.ManagedIdentityHeader}}'
        function Use-DefenderPS {
            Connect-Defender -ManagedIdentity -ApiUri '{{module.Api.BaseUri}}'
            $logons = @(Get-DefenderAlertUser {{A1}} | Get-DefenderUserMachine | Get-DefenderMachineLogonUser)
            "DefenderPS: $($logons.Count) logons, first $($logons[0].AccountName)"
        }
        """;

    /// <summary>Which MSAL and System.Text.Json each load context holds, as "context: name version" lines.</summary>
    private const string LoadedCopies = """
        foreach ($context in [System.Runtime.Loader.AssemblyLoadContext]::All) {
            foreach ($assembly in $context.Assemblies) {
                $name = $assembly.GetName()
                if ($name.Name -in 'Microsoft.Identity.Client', 'System.Text.Json', 'DefenderPS', 'DefenderPS.Loader', 'DefenderPS.Engine') {
                    $where = if ($context -eq [System.Runtime.Loader.AssemblyLoadContext]::Default) { 'shared' }
                        elseif ($context.Name -eq 'DefenderPS') { 'DefenderPS' } else { 'another context' }
                    "loaded in ${where}: $($name.Name) $($name.Version)"
                }
            }
        }
        """;

    [Fact]
    public void With_older_MSAL_and_System_Text_Json_loaded_first_both_modules_keep_working()
    {
        var output = FreshProcess.Run($$"""
            {{OtherModule}}
            {{DefenderPipeline}}
            Use-OtherModule
            Import-Module '{{ModuleFixture.ModuleManifest}}'
            Use-DefenderPS
            Use-OtherModule
            {{LoadedCopies}}
            """);

        Assert.True(output.ExitCode == 0, output.Errors);
        Assert.Equal(
            [
                "other module: MSAL 4.61.3.0, JSON 6.0.0.0 read 42",
                "DefenderPS: 6 logons, first user1",
                "other module: MSAL 4.61.3.0, JSON 6.0.0.0 read 42",
            ],
            output.Output.Take(3));
        AssertEachModuleHasItsOwnCopies(output.Output.Skip(3));
    }

    [Fact]
    public void With_DefenderPS_imported_first_older_versions_loaded_later_still_load_and_work()
    {
        var output = FreshProcess.Run($$"""
            Import-Module '{{ModuleFixture.ModuleManifest}}'
            {{DefenderPipeline}}
            Use-DefenderPS
            {{OtherModule}}
            Use-OtherModule
            Use-DefenderPS
            {{LoadedCopies}}
            """);

        Assert.True(output.ExitCode == 0, output.Errors);
        Assert.Equal(
            [
                "DefenderPS: 6 logons, first user1",
                "other module: MSAL 4.61.3.0, JSON 6.0.0.0 read 42",
                "DefenderPS: 6 logons, first user1",
            ],
            output.Output.Take(3));
        AssertEachModuleHasItsOwnCopies(output.Output.Skip(3));
    }

    [Fact]
    public void Only_the_cmdlets_and_the_loader_join_the_shared_context_and_PowerShell_still_sees_the_session_type()
    {
        var output = FreshProcess.Run($$"""
            Import-Module '{{ModuleFixture.ModuleManifest}}'
            "session type by name before any cmdlet ran: $([DefenderPS.Session.DefenderSession].FullName)"
            "a cloud by name: $([DefenderPS.Authentication.DefenderCloud]::GCCHigh)"
            Connect-Defender -Demo
            $null = Get-DefenderUserAlert alice
            (Get-Command -Module DefenderPS).Count
            "the session is a [DefenderPS.Session.DefenderSession]: $((Get-DefenderSession) -is [DefenderPS.Session.DefenderSession])"
            "its load context: $([System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext((Get-DefenderSession).GetType().Assembly).Name)"
            "MSAL's types by name: $($null -ne ('Microsoft.Identity.Client.PublicClientApplication' -as [type]))"
            {{LoadedCopies}}
            """);

        Assert.True(output.ExitCode == 0, output.Errors);
        Assert.Equal(
            [
                "session type by name before any cmdlet ran: DefenderPS.Session.DefenderSession",
                "a cloud by name: GCCHigh",
                ModuleFixture.ExportedCmdletCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "the session is a [DefenderPS.Session.DefenderSession]: True",
                "its load context: DefenderPS",
                "MSAL's types by name: False",
            ],
            output.Output.Take(6));
        Assert.Equal(
            [
                $"loaded in DefenderPS: DefenderPS.Engine {Ours}",
                "loaded in DefenderPS: Microsoft.Identity.Client 4.92.0.0",
                "loaded in DefenderPS: System.Text.Json 10.0.0.0",
                $"loaded in shared: DefenderPS {Ours}",
                $"loaded in shared: DefenderPS.Loader {Ours}",
            ],
            output.Output.Skip(6).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The other module's MSAL is the only one in the shared context (its MSAL also pulled in the runtime's own
    /// System.Text.Json there); DefenderPS's copies are in its own context.
    /// </summary>
    private static void AssertEachModuleHasItsOwnCopies(IEnumerable<string> loaded) =>
        Assert.Equal(
            [
                $"loaded in DefenderPS: DefenderPS.Engine {Ours}",
                "loaded in DefenderPS: Microsoft.Identity.Client 4.92.0.0",
                "loaded in DefenderPS: System.Text.Json 10.0.0.0",
                "loaded in another context: System.Text.Json 6.0.0.0",
                $"loaded in shared: DefenderPS {Ours}",
                $"loaded in shared: DefenderPS.Loader {Ours}",
                "loaded in shared: Microsoft.Identity.Client 4.61.3.0",
                $"loaded in shared: System.Text.Json {Environment.Version.Major}.0.0.0",
            ],
            loaded.Order(StringComparer.Ordinal));
}
