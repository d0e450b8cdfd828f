using System;
using System.Text.Json;

namespace DefenderPS.Authentication;

/// <summary>
/// The few claims of a JWT access token DefenderPS looks at, read without validating the token: the
/// service validates; we only want to fail early on expiry and to know the tenant and app for budgets.
/// </summary>
internal sealed class JwtClaims
{
    private JwtClaims(DateTimeOffset? expiresOn, string? tenantId, string? appId)
    {
        ExpiresOn = expiresOn;
        TenantId = tenantId;
        AppId = appId;
    }

    /// <summary>The <c>exp</c> claim.</summary>
    public DateTimeOffset? ExpiresOn { get; }

    /// <summary>The <c>tid</c> claim.</summary>
    public string? TenantId { get; }

    /// <summary>The <c>appid</c> (v1 tokens) or <c>azp</c> (v2 tokens) claim.</summary>
    public string? AppId { get; }

    /// <summary>The claims, or null when the token is not a readable JWT.</summary>
    public static JwtClaims? Read(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            using var payload = JsonDocument.Parse(DecodeBase64Url(parts[1]));
            var root = payload.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            DateTimeOffset? expiry = root.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
            return new JwtClaims(expiry, String(root, "tid"), String(root, "appid") ?? String(root, "azp"));
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[] DecodeBase64Url(string segment)
    {
        var base64 = segment.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }
}
