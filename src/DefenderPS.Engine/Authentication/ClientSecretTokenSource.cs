using System;
using System.Security;

namespace DefenderPS.Authentication;

/// <summary>-ClientSecret, or a secret from a SecretManagement vault (-SecretName).</summary>
internal sealed class ClientSecretTokenSource : ConfidentialClientTokenSource
{
    private readonly string _credential;

    public ClientSecretTokenSource(string clientId, MsalSettings settings, SecureString clientSecret, string credential = "client secret")
        : base(clientId, settings, builder => builder.WithClientSecret(SecureStrings.ToPlainText(clientSecret)))
    {
        _credential = credential;
    }

    public override AuthenticationKind Kind => AuthenticationKind.ClientSecret;

    public override string Credential => _credential;
}
