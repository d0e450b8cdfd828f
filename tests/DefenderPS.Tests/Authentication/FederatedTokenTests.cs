using System.Management.Automation;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Authentication.AuthTestKit;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests.Authentication;

/// <summary>
/// -FederatedTokenFile and -WorkloadIdentity: the assertion in the file is sent as a jwt-bearer client
/// assertion and read again at every token request, so a rotated file keeps a long job signed in.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class FederatedTokenTests : IClassFixture<ModuleFixture>, IDisposable
{
    private const string App = "33333333-3333-3333-3333-333333333333";
    private const string FirstAssertion = "eyJhbGciOiJSUzI1NiJ9.github-oidc-first.c2ln";
    private const string RotatedAssertion = "eyJhbGciOiJSUzI1NiJ9.github-oidc-rotated.c2ln";

    private readonly ModuleFixture _module;
    private readonly string _folder = Directory.CreateTempSubdirectory("defenderps-federated-").FullName;
    private readonly string _tokenFile;

    public FederatedTokenTests(ModuleFixture module)
    {
        _module = module;
        _tokenFile = Path.Combine(_folder, "azure-identity-token");
        File.WriteAllText(_tokenFile, FirstAssertion + "\n");
        module.Api.AcceptFederatedAssertion(App, FirstAssertion);
    }

    public void Dispose()
    {
        _module.Api.IssuedTokenLifetime = TimeSpan.FromSeconds(3599);
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void A_federated_token_file_signs_in_with_a_jwt_bearer_assertion()
    {
        var since = _module.Api.Requests.Count;

        var result = _module.Run($"""
            Connect-Defender -TenantId {Tenant} -ClientId {App} -FederatedTokenFile '{_tokenFile}' -ApiUri '{_module.Api.BaseUri}' -PassThru
            Get-DefenderAlertUser {A1}
            """).AssertNoErrors();

        Assert.Equal("FederatedToken", result.Output[0].Str("AuthenticationKind"));
        Assert.Equal($"federated token file {_tokenFile}", result.Output[0].Str("Credential"));
        Assert.Equal("user1", result.Output[1].Str("AccountName"));
        var request = Assert.Single(_module.Api.TokenRequests(since));
        Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", request.Form!["client_assertion_type"]);
        Assert.Equal("federated", request.Form["fake_verified_by"]);
        Assert.DoesNotContain(FirstAssertion, result.AllText);
    }

    [Fact]
    public void The_file_is_read_again_for_each_new_token_so_a_rotated_assertion_keeps_the_job_running()
    {
        // Tokens that live 4 minutes are renewed at every use (MSAL renews below 5 minutes left).
        _module.Api.IssuedTokenLifetime = TimeSpan.FromMinutes(4);
        var since = _module.Api.Requests.Count;
        _module.Run($"Connect-Defender -TenantId {Tenant} -ClientId {App} -FederatedTokenFile '{_tokenFile}' -ApiUri '{_module.Api.BaseUri}'").AssertNoErrors();

        // The issuer replaces the file; the old assertion stops being accepted.
        File.WriteAllText(_tokenFile, RotatedAssertion);
        _module.Api.AcceptFederatedAssertion(App, RotatedAssertion);
        _module.Api.RevokeFederatedAssertion(App, FirstAssertion);

        var result = _module.Run($"Get-DefenderAlertUser {A1}; (Get-DefenderSession).TokensAcquired").AssertNoErrors();

        Assert.Equal("user1", result.Output[0].Str("AccountName"));
        Assert.Equal(2, result.Output[1].BaseObject);
        var requests = _module.Api.TokenRequests(since);
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal(200, r.ResponseStatus));
    }

    [Fact]
    public void Workload_identity_takes_tenant_app_and_file_from_the_environment()
    {
        using var environment = new EnvironmentVariables(("AZURE_TENANT_ID", Tenant), ("AZURE_CLIENT_ID", App), ("AZURE_FEDERATED_TOKEN_FILE", _tokenFile));

        var session = _module.Run($"Connect-Defender -WorkloadIdentity -ApiUri '{_module.Api.BaseUri}' -PassThru").AssertNoErrors().Output.Single();

        Assert.Equal(Tenant, session.Str("TenantId"));
        Assert.Equal(App, session.Str("ClientId"));
        Assert.Equal($"federated token file {_tokenFile} (from AZURE_FEDERATED_TOKEN_FILE)", session.Str("Credential"));
    }

    [Fact]
    public void Workload_identity_without_its_environment_names_the_missing_variables()
    {
        using var environment = new EnvironmentVariables(("AZURE_TENANT_ID", Tenant), ("AZURE_CLIENT_ID", null), ("AZURE_FEDERATED_TOKEN_FILE", null));

        var error = Assert.Single(_module.Run("Connect-Defender -WorkloadIdentity").Errors);

        Assert.Equal("DefenderPS.WorkloadIdentityNotConfigured,DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Contains("AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE", error.ErrorDetails.Message);
    }

    [Theory]
    [InlineData("missing-file", "DefenderPS.FederatedTokenFileNotFound", ErrorCategory.ObjectNotFound)]
    [InlineData("empty-file", "DefenderPS.FederatedTokenFileEmpty", ErrorCategory.InvalidData)]
    public void A_missing_or_empty_token_file_fails_before_any_request(string name, string errorId, ErrorCategory category)
    {
        var path = Path.Combine(_folder, name);
        if (name == "empty-file")
        {
            File.WriteAllText(path, "  \n");
        }

        var since = _module.Api.Requests.Count;

        var error = Assert.Single(_module.Run($"Connect-Defender -TenantId {Tenant} -ClientId {App} -FederatedTokenFile '{path}'").Errors);

        Assert.Equal($"{errorId},DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category);
        Assert.Equal(since, _module.Api.Requests.Count);
    }

    [Fact]
    public void An_assertion_the_directory_does_not_accept_fails_at_connect_with_its_reason()
    {
        File.WriteAllText(_tokenFile, "eyJhbGciOiJSUzI1NiJ9.someone-else.c2ln");

        var result = _module.Run($"Connect-Defender -TenantId {Tenant} -ClientId {App} -FederatedTokenFile '{_tokenFile}'");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.AuthenticationFailed,DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Contains("AADSTS700213", error.ErrorDetails.Message);
        Assert.DoesNotContain("someone-else", result.AllText);
    }
}

/// <summary>Sets process environment variables for one test and puts the old values back.</summary>
internal sealed class EnvironmentVariables : IDisposable
{
    private readonly (string Name, string? Old)[] _saved;

    public EnvironmentVariables(params (string Name, string? Value)[] variables)
    {
        _saved = variables.Select(v => (v.Name, Environment.GetEnvironmentVariable(v.Name))).ToArray();
        foreach (var (name, value) in variables)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    public void Dispose()
    {
        foreach (var (name, old) in _saved)
        {
            Environment.SetEnvironmentVariable(name, old);
        }
    }
}
