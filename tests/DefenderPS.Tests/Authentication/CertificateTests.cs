using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Authentication.AuthTestKit;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests.Authentication;

/// <summary>
/// -Certificate, -CertificateThumbprint and -CertificatePath: the fake's token endpoint checks the client
/// assertion's signature with the registered certificate's public key, so a wrong key cannot pass.
/// </summary>
public sealed class CertificateTests : IClassFixture<ModuleFixture>, IDisposable
{
    private const string App = "22222222-2222-2222-2222-222222222222";
    private const string Password = "pfx-pass-Zq81!";

    private readonly ModuleFixture _module;
    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _certificate;
    private readonly string _folder = Directory.CreateTempSubdirectory("defenderps-cert-").FullName;

    public CertificateTests(ModuleFixture module)
    {
        _module = module;
        _certificate = SelfSigned(_key, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        module.Api.AddClientCertificate(App, _certificate);
    }

    public void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
        _certificate.Dispose();
        _key.Dispose();
    }

    [Fact]
    public void A_certificate_object_signs_in_and_the_token_it_gets_reads_alerts()
    {
        var since = _module.Api.Requests.Count;

        var result = Connect("-Certificate $cert -PassThru", ("cert", _certificate), then: $"Get-DefenderAlertUser {A1}").AssertNoErrors();

        var session = result.Output[0];
        Assert.Equal("Certificate", session.Str("AuthenticationKind"));
        Assert.Contains(_certificate.Thumbprint, session.Str("Credential"));
        Assert.Equal("user1", result.Output[1].Str("AccountName"));
        var tokenRequest = Assert.Single(_module.Api.TokenRequests(since));
        Assert.Equal("certificate", tokenRequest.Form!["fake_verified_by"]);
        Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", tokenRequest.Form["client_assertion_type"]);
    }

    [Fact]
    public void A_certificate_the_app_does_not_know_is_refused_by_the_token_endpoint()
    {
        using var otherKey = RSA.Create(2048);
        using var impostor = SelfSigned(otherKey, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

        var result = Connect("-Certificate $cert", ("cert", impostor));

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.AuthenticationFailed,DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Contains("AADSTS700027", error.ErrorDetails.Message);
    }

    [Fact]
    public void A_password_protected_PFX_file_signs_in()
    {
        var pfx = Path.Combine(_folder, "app.pfx");
        File.WriteAllBytes(pfx, _certificate.Export(X509ContentType.Pfx, Password));

        var result = Connect($"-CertificatePath '{pfx}' -CertificatePassword $password -PassThru", ("password", Secure(Password))).AssertNoErrors();

        Assert.Contains("from app.pfx", result.Output.Single().Str("Credential"));
        Assert.DoesNotContain(Password, result.AllText);
    }

    [Fact]
    public void A_wrong_PFX_password_says_so_without_showing_it()
    {
        var pfx = Path.Combine(_folder, "app.pfx");
        File.WriteAllBytes(pfx, _certificate.Export(X509ContentType.Pfx, Password));
        const string wrong = "not-the-password-77";
        var since = _module.Api.Requests.Count;

        var result = Connect($"-CertificatePath '{pfx}' -CertificatePassword '{wrong}'");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.CertificateNotReadable,DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Contains("-CertificatePassword", error.ErrorDetails.Message);
        Assert.DoesNotContain(wrong, result.AllText.Replace($"-CertificatePassword '{wrong}'", string.Empty, StringComparison.Ordinal));
        Assert.Equal(since, _module.Api.Requests.Count);
    }

    [Fact]
    public void A_PEM_file_with_certificate_and_key_signs_in()
    {
        var pem = Path.Combine(_folder, "app.pem");
        File.WriteAllText(pem, _certificate.ExportCertificatePem() + "\n" + _key.ExportPkcs8PrivateKeyPem());

        var result = Connect($"-CertificatePath '{pem}' -PassThru").AssertNoErrors();

        Assert.Equal("Certificate", result.Output.Single().Str("AuthenticationKind"));
    }

    [Fact]
    public void A_PEM_file_with_an_encrypted_key_signs_in_with_its_password()
    {
        var pem = Path.Combine(_folder, "app-encrypted.pem");
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000);
        File.WriteAllText(pem, _certificate.ExportCertificatePem() + "\n" + _key.ExportEncryptedPkcs8PrivateKeyPem(Password, pbe));

        var result = Connect($"-CertificatePath '{pem}' -CertificatePassword $password -PassThru", ("password", Secure(Password))).AssertNoErrors();

        Assert.Equal("Certificate", result.Output.Single().Str("AuthenticationKind"));
        Assert.DoesNotContain(Password, result.AllText);
    }

    [Fact]
    public void A_thumbprint_finds_the_certificate_in_the_current_users_store()
    {
        using var stored = X509CertificateLoader.LoadPkcs12(_certificate.Export(X509ContentType.Pfx, Password), Password, X509KeyStorageFlags.PersistKeySet);
        using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
        store.Open(OpenFlags.ReadWrite);
        store.Add(stored);
        try
        {
            // As copied from the certificate dialog: lower case, spaced.
            var typed = string.Join(' ', Enumerable.Range(0, 20).Select(i => _certificate.Thumbprint.Substring(i * 2, 2).ToLowerInvariant()));

            var result = Connect($"-CertificateThumbprint '{typed}' -PassThru").AssertNoErrors();

            Assert.Contains(@"from Cert:\CurrentUser\My", result.Output.Single().Str("Credential"));
        }
        finally
        {
            store.Remove(stored);
        }
    }

    [Theory]
    [InlineData("0000000000000000000000000000000000000000", "DefenderPS.CertificateNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("not-a-thumbprint", "DefenderPS.InvalidCertificateThumbprint", ErrorCategory.InvalidArgument)]
    public void A_thumbprint_that_finds_nothing_fails_before_any_request(string thumbprint, string errorId, ErrorCategory category)
    {
        var since = _module.Api.Requests.Count;

        var error = Assert.Single(Connect($"-CertificateThumbprint '{thumbprint}'").Errors);

        Assert.Equal($"{errorId},DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Equal(since, _module.Api.Requests.Count);
    }

    [Fact]
    public void A_certificate_without_its_private_key_fails_before_any_request()
    {
        using var publicOnly = X509CertificateLoader.LoadCertificate(_certificate.RawData);
        var since = _module.Api.Requests.Count;

        var error = Assert.Single(Connect("-Certificate $cert", ("cert", publicOnly)).Errors);

        Assert.Equal("DefenderPS.CertificateNoPrivateKey,DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Contains("no private key", error.ErrorDetails.Message);
        Assert.Equal(since, _module.Api.Requests.Count);
    }

    [Theory]
    [InlineData(-30, -1, "expired")]
    [InlineData(1, 30, "not valid until")]
    public void An_expired_or_not_yet_valid_certificate_fails_before_any_request(int fromDays, int toDays, string says)
    {
        using var key = RSA.Create(2048);
        using var certificate = SelfSigned(key, DateTimeOffset.UtcNow.AddDays(fromDays), DateTimeOffset.UtcNow.AddDays(toDays));
        var since = _module.Api.Requests.Count;

        var error = Assert.Single(Connect("-Certificate $cert", ("cert", certificate)).Errors);

        Assert.Equal("DefenderPS.CertificateNotValid,DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Contains(says, error.ErrorDetails.Message);
        Assert.Equal(since, _module.Api.Requests.Count);
    }

    [Fact]
    public void A_certificate_with_an_ECDSA_key_is_refused_because_MSAL_signs_with_RSA()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=DefenderPS EC test", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        var error = Assert.Single(Connect("-Certificate $cert", ("cert", certificate)).Errors);

        Assert.Equal("DefenderPS.CertificateKeyNotSupported,DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
    }

    private ScriptResult Connect(string parameters, (string Name, object? Value)? variable = null, string then = "") =>
        _module.Run($"""
            Connect-Defender -TenantId {Tenant} -ClientId {App} -ApiUri '{_module.Api.BaseUri}' {parameters}
            {then}
            """, variable is { } v ? Vars(v) : null);

    private static X509Certificate2 SelfSigned(RSA key, DateTimeOffset notBefore, DateTimeOffset notAfter) =>
        new CertificateRequest("CN=DefenderPS test app", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(notBefore, notAfter);
}
