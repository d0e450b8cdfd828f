using System.Security;
using System.Text;
using DefenderPS.FakeApi;
using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Tests.Authentication;

/// <summary>Small helpers shared by the sign-in tests.</summary>
internal static class AuthTestKit
{
    public const string ClientId = FakeApiOptions.DefaultClientId;
    public const string ClientSecret = FakeApiOptions.DefaultClientSecret;
    public const string Tenant = "contoso.onmicrosoft.com";

    public static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    public static Dictionary<string, object?> Vars(params (string Name, object? Value)[] variables) =>
        variables.ToDictionary(v => v.Name, v => v.Value);

    /// <summary>An unsigned JWT with the given claims, as token helpers hand them out.</summary>
    public static string Jwt(DateTimeOffset expiry, string? tenantId = null, string? appId = null)
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var claims = $"\"aud\":\"https://api.securitycenter.microsoft.com\",\"exp\":{expiry.ToUnixTimeSeconds()}";
        if (tenantId is not null)
        {
            claims += $",\"tid\":\"{tenantId}\"";
        }

        if (appId is not null)
        {
            claims += $",\"appid\":\"{appId}\"";
        }

        return $"{Part("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{Part("{" + claims + "}")}.c2ln";
    }

    /// <summary>The token requests (POSTs to a token endpoint) the fake received since <paramref name="since"/>.</summary>
    public static IReadOnlyList<RecordedRequest> TokenRequests(this FakeDefenderApi api, int since = 0) =>
        api.Requests.Skip(since).Where(r => r.Method == "POST" && r.DecodedPath.EndsWith("/token", StringComparison.Ordinal)).ToList();

    /// <summary>A fresh log of where MSAL meant to send its requests, from now on.</summary>
    public static LoopbackMsalHandler LogMsalRequests(ModuleFixture module)
    {
        var handler = new LoopbackMsalHandler(module.Api.BaseUri);
        ModuleInternals.SetMsalHttpHandler(module.Runspace, handler);
        return handler;
    }
}
