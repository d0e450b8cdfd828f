using System;
using System.IO;
using System.Management.Automation;
using System.Threading.Tasks;
using Microsoft.Identity.Client;

namespace DefenderPS.Authentication;

/// <summary>
/// Workload identity federation: the app proves itself with a token another issuer (GitHub Actions, AKS,
/// a CI system) writes to a file. The file is read again for every token request, because the issuer
/// replaces it before its short-lived token expires.
/// </summary>
internal sealed class FederatedTokenSource : ConfidentialClientTokenSource
{
    public const string TenantVariable = "AZURE_TENANT_ID";
    public const string ClientVariable = "AZURE_CLIENT_ID";
    public const string FileVariable = "AZURE_FEDERATED_TOKEN_FILE";

    private readonly string _credential;

    public FederatedTokenSource(string clientId, MsalSettings settings, string path, bool fromEnvironment)
        : base(clientId, settings, builder => builder.WithClientAssertion((AssertionRequestOptions _) => Task.FromResult(ReadAssertion(path))))
    {
        _credential = $"federated token file {path}{(fromEnvironment ? $" (from {FileVariable})" : string.Empty)}";
    }

    public override AuthenticationKind Kind => AuthenticationKind.FederatedToken;

    public override string Credential => _credential;

    /// <summary>Checks at connect time that the file exists and holds something; MSAL reads it at each token request.</summary>
    public static void CheckFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ConnectException("FederatedTokenFileNotFound", ErrorCategory.ObjectNotFound,
                $"The federated token file '{path}' does not exist. Check the path (in AKS: {FileVariable}; in GitHub Actions: the file your workflow writes the OIDC token to).", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ConnectException("FederatedTokenFileNotReadable", ErrorCategory.ReadError, $"Cannot read the federated token file '{path}': {e.Message}", e);
        }

        if (text.Trim().Length == 0)
        {
            throw new ConnectException("FederatedTokenFileEmpty", ErrorCategory.InvalidData,
                $"The federated token file '{path}' is empty. The identity provider writes a token there; check that it ran before Connect-Defender.");
        }
    }

    private static string ReadAssertion(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An MSAL exception, so the pipeline reports an authentication failure rather than retrying a "connection" error.
            throw new MsalClientException("federated_token_file_unreadable", $"Cannot read the federated token file '{path}': {e.Message}");
        }
    }
}
