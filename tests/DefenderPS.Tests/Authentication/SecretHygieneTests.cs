using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Authentication.AuthTestKit;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests.Authentication;

/// <summary>
/// Whatever the way in, no token, client secret, client assertion, federated token or certificate password
/// shows in any stream, error, ToString() or Get-DefenderSession output, with verbose and debug on.
/// </summary>
public sealed class SecretHygieneTests : IClassFixture<ModuleFixture>, IDisposable
{
    private const string CertificateApp = "66666666-6666-6666-6666-666666666666";
    private const string FederatedApp = "77777777-7777-7777-7777-777777777777";
    private const string CertificatePassword = "cert-pass-H7#k";
    private const string FederatedAssertion = "eyJhbGciOiJSUzI1NiJ9.federated-secret-payload.c2ln";

    private readonly ModuleFixture _module;
    private readonly string _folder = Directory.CreateTempSubdirectory("defenderps-hygiene-").FullName;

    public SecretHygieneTests(ModuleFixture module)
    {
        _module = module;
    }

    public void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void No_way_in_ever_shows_a_secret_token_assertion_or_password()
    {
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=DefenderPS hygiene", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        _module.Api.AddClientCertificate(CertificateApp, certificate);
        var pfx = Path.Combine(_folder, "app.pfx");
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, CertificatePassword));
        _module.Api.AcceptFederatedAssertion(FederatedApp, FederatedAssertion);
        var tokenFile = Path.Combine(_folder, "token");
        File.WriteAllText(tokenFile, FederatedAssertion);
        var api = _module.Api.BaseUri;

        var result = _module.Run($$"""
            $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $InformationPreference = 'Continue'
            $sessions = @(
                Connect-Defender -TenantId {{Tenant}} -ClientId {{ClientId}} -ClientSecret $secret -ApiUri '{{api}}' -PassThru
                Connect-Defender -TenantId {{Tenant}} -ClientId {{CertificateApp}} -CertificatePath '{{pfx}}' -CertificatePassword $password -ApiUri '{{api}}' -PassThru
                Connect-Defender -TenantId {{Tenant}} -ClientId {{FederatedApp}} -FederatedTokenFile '{{tokenFile}}' -ApiUri '{{api}}' -PassThru
                Connect-Defender -TenantId {{Tenant}} -DeviceCode -ApiUri '{{api}}' -PassThru
            )
            foreach ($session in $sessions) {
                Get-DefenderAlertUser {{A1}}, {{Forbidden}} -Session $session | Out-Default
                "$session"
                $session.PSObject.Properties | ForEach-Object { "$($_.Name)=$($_.Value)" }
                $session | Format-List * | Out-Default
            }
            Get-DefenderSession -All | Out-Default
            Connect-Defender -TenantId {{Tenant}} -ClientId {{CertificateApp}} -CertificatePath '{{pfx}}' -CertificatePassword 'wrong-{{CertificatePassword}}'
            Connect-Defender -TenantId {{Tenant}} -ClientId {{ClientId}} -ClientSecret 'wrong-{{ClientSecret}}'
            Get-DefenderSession -All | Disconnect-Defender
            """, Vars(("secret", Secure(ClientSecret)), ("password", Secure(CertificatePassword))));

        // Four sign-ins worked, their sessions were shown every way, and the two wrong credentials failed.
        Assert.Equal(4, _module.Api.TokenRequests().Count(r => r.ResponseStatus == 200));
        var seen = result.AllText;
        Assert.Contains("Credential=certificate CN=DefenderPS hygiene", seen);
        Assert.Contains("TokenAcquiredAt", seen);
        Assert.Contains(result.Errors, e => e.FullyQualifiedErrorId.StartsWith("DefenderPS.CertificateNotReadable", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.FullyQualifiedErrorId.StartsWith("DefenderPS.AuthenticationFailed", StringComparison.Ordinal));
        Assert.DoesNotContain(ClientSecret, seen);
        Assert.DoesNotContain(CertificatePassword, seen);
        Assert.DoesNotContain(FederatedAssertion, seen);
        Assert.DoesNotContain("federated-secret-payload", seen);
        Assert.NotEmpty(_module.Api.IssuedTokens);
        Assert.All(_module.Api.IssuedTokens, token => Assert.DoesNotContain(token, seen));
    }
}
