using System;
using System.Management.Automation;
using System.Net;
using System.Net.Http;
using System.Security;
using DefenderPS.Authentication;
using DefenderPS.Demo;
using DefenderPS.Http;
using DefenderPS.Session;

namespace DefenderPS.Commands;

[Cmdlet(VerbsCommunications.Connect, "Defender", DefaultParameterSetName = AccessTokenSet)]
[OutputType(typeof(DefenderSession))]
public sealed class ConnectDefenderCommand : DefenderCmdlet
{
    private const string AccessTokenSet = "AccessToken";
    private const string ClientSecretSet = "ClientSecret";
    private const string DemoSet = "Demo";

    private static readonly Uri DefaultApiUri = new("https://api.security.microsoft.com/");

    [Parameter(Mandatory = true, ParameterSetName = AccessTokenSet)]
    [SecureStringTransformation]
    public SecureString AccessToken { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = ClientSecretSet)]
    public string TenantId { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = ClientSecretSet)]
    public string ClientId { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = ClientSecretSet)]
    [SecureStringTransformation]
    public SecureString ClientSecret { get; set; } = null!;

    [Parameter(ParameterSetName = AccessTokenSet)]
    [Parameter(ParameterSetName = ClientSecretSet)]
    public Uri ApiUri { get; set; } = DefaultApiUri;

    [Parameter(Mandatory = true, ParameterSetName = DemoSet)]
    public SwitchParameter Demo { get; set; }

    /// <summary>Calls allowed in any sliding minute; the service allows 100 on each relation endpoint.</summary>
    [Parameter]
    [ValidateRange(1, 100_000)]
    public int MaxCallsPerMinute { get; set; } = 100;

    /// <summary>Calls allowed in any sliding hour; the service allows 1500 on each relation endpoint.</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int MaxCallsPerHour { get; set; } = 1500;

    /// <summary>Retries of a transient failure (5xx, 408, time-out, dropped connection) before it becomes an error.</summary>
    [Parameter]
    [ValidateRange(0, 10)]
    public int MaxRetries { get; set; } = 4;

    /// <summary>Seconds one request may take, from sending it to the last byte of its answer.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; } = 100;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        var session = ParameterSetName switch
        {
            DemoSet => new DefenderSession(new DemoTokenSource(), DemoApiHandler.ApiUri, "fabrikam.com", null, new DemoApiHandler(), Limits),
            ClientSecretSet => ConnectWithClientSecret(),
            _ => ConnectWithAccessToken(),
        };

        DefaultSession.Set(session);
        WriteVerbose($"Connected: {session}. It is now the default session.");
        if (PassThru)
        {
            WriteObject(session);
        }
    }

    private DefenderSession ConnectWithAccessToken()
    {
        var apiUri = CheckedApiUri();
        var source = new AccessTokenSource(AccessToken, DefenderSession.Clock);
        if (source.IsExpired)
        {
            var expired = new TokenExpiredException(source.ExpiresOn!.Value);
            ThrowTerminatingError(new ErrorRecord(expired, "DefenderPS.TokenExpired", ErrorCategory.AuthenticationError, null)
            {
                ErrorDetails = new ErrorDetails(expired.Message),
            });
        }

        return new DefenderSession(source, apiUri, null, null, CreateHandler(), Limits);
    }

    private DefenderSession ConnectWithClientSecret()
    {
        var apiUri = CheckedApiUri();
        if (!Guid.TryParse(ClientId, out _))
        {
            Terminate("InvalidClientId", ErrorCategory.InvalidArgument, $"-ClientId '{ClientId}' is not an application (client) id; it must be a GUID.", ClientId);
        }

        if (Uri.CheckHostName(TenantId) != UriHostNameType.Dns)
        {
            Terminate("InvalidTenantId", ErrorCategory.InvalidArgument, $"-TenantId '{TenantId}' is neither a tenant GUID nor a domain name such as contoso.onmicrosoft.com.", TenantId);
        }

        var session = new DefenderSession(new ClientSecretTokenSource(TenantId, ClientId, ClientSecret), apiUri, TenantId, ClientId, CreateHandler(), Limits);
        try
        {
            // Fail now, not at the first data call, when the secret or the app is wrong.
            RunOrThrow((_, stopping) => session.Client.AcquireTokenAsync(stopping));
        }
        catch (DefenderApiException e)
        {
            session.Disconnect();
            ThrowTerminatingError(e.ToErrorRecord(TenantId));
        }

        return session;
    }

    private SessionLimits Limits => new()
    {
        MaxCallsPerMinute = MaxCallsPerMinute,
        MaxCallsPerHour = MaxCallsPerHour,
        MaxRetries = MaxRetries,
        RequestTimeout = TimeSpan.FromSeconds(TimeoutSec),
    };

    private Uri CheckedApiUri()
    {
        var uri = ApiUri;
        var loopback = uri.IsAbsoluteUri && (uri.IsLoopback || uri.Host == "[::1]");
        if (!uri.IsAbsoluteUri || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && loopback)))
        {
            Terminate("InvalidApiUri", ErrorCategory.InvalidArgument, $"-ApiUri '{uri}' must be an absolute https URI (http is allowed only for loopback addresses).", uri);
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            Terminate("InvalidApiUri", ErrorCategory.InvalidArgument, $"-ApiUri '{uri}' must be the API root only, without credentials, query or fragment.", uri);
        }

        // Relative request paths are resolved against the root, which must end with a slash to keep any prefix.
        return uri.AbsolutePath.EndsWith("/", StringComparison.Ordinal) ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    private static HttpMessageHandler CreateHandler() => new HttpClientHandler
    {
        AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
    };
}
