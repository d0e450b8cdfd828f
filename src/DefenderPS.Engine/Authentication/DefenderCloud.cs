using System;
using System.Collections.Generic;

namespace DefenderPS.Authentication;

/// <summary>The Microsoft clouds Defender for Endpoint runs in; each has its own API host, login authority and token scope.</summary>
public enum DefenderCloud
{
    Global,
    GCC,
    GCCHigh,
    DoD,
}

/// <summary>
/// The one place that knows the hosts: API root, login authority host and token scope per cloud, and
/// the regional hosts of the commercial cloud (docs: shared/reference/mde-api-facts.md).
/// </summary>
internal static class CloudTable
{
    /// <summary>The values -Region accepts.</summary>
    public static readonly string[] Regions = { "us", "eu", "uk", "au", "swa", "ina", "aea" };

    private static readonly Dictionary<DefenderCloud, CloudEndpoints> Clouds = new()
    {
        [DefenderCloud.Global] = new(
            new Uri("https://api.security.microsoft.com/"),
            new Uri("https://login.microsoftonline.com/"),
            "https://api.securitycenter.microsoft.com/.default",
            new Uri("https://graph.microsoft.com/")),
        [DefenderCloud.GCC] = new(
            new Uri("https://api-gcc.securitycenter.microsoft.us/"),
            new Uri("https://login.microsoftonline.com/"),
            "https://api-gcc.securitycenter.microsoft.us/.default",
            new Uri("https://graph.microsoft.com/")),
        [DefenderCloud.GCCHigh] = new(
            new Uri("https://api-gov.securitycenter.microsoft.us/"),
            new Uri("https://login.microsoftonline.us/"),
            "https://api-gov.securitycenter.microsoft.us/.default",
            new Uri("https://graph.microsoft.us/")),
        [DefenderCloud.DoD] = new(
            new Uri("https://api-gov.securitycenter.microsoft.us/"),
            new Uri("https://login.microsoftonline.us/"),
            "https://api-gov.securitycenter.microsoft.us/.default",
            new Uri("https://dod-graph.microsoft.us/")),
    };

    public static CloudEndpoints For(DefenderCloud cloud) => Clouds[cloud];

    /// <summary>The regional host of the commercial cloud, e.g. <c>https://eu.api.security.microsoft.com/</c>.</summary>
    public static Uri RegionalApiRoot(string region) => new($"https://{region.ToLowerInvariant()}.api.security.microsoft.com/");

    /// <summary>The authority for a tenant: the cloud's login host (or <paramref name="authorityUri"/>) plus the tenant.</summary>
    public static Uri Authority(Uri authorityHost, string tenant)
    {
        // A URI with a path is taken as the full authority; a bare host gets the tenant appended.
        if (authorityHost.AbsolutePath.Trim('/').Length > 0)
        {
            return authorityHost;
        }

        return new Uri(authorityHost, Uri.EscapeDataString(tenant));
    }
}

/// <summary>Where a cloud's API, login and token audiences are.</summary>
internal sealed class CloudEndpoints
{
    public CloudEndpoints(Uri apiRoot, Uri authorityHost, string scope, Uri graphRoot)
    {
        ApiRoot = apiRoot;
        AuthorityHost = authorityHost;
        Scope = scope;
        GraphRoot = graphRoot;
    }

    public Uri ApiRoot { get; }

    public Uri AuthorityHost { get; }

    /// <summary>The <c>/.default</c> scope of the cloud's WindowsDefenderATP resource.</summary>
    public string Scope { get; }

    /// <summary>The resource (audience) the scope names, for managed identity, which asks by resource.</summary>
    public string Resource => ResourceOf(Scope);

    /// <summary>The cloud's Microsoft Graph host, for the calls that moved there (advanced hunting).</summary>
    public Uri GraphRoot { get; }

    /// <summary>The <c>/.default</c> scope of the cloud's Microsoft Graph: the same host as the API root.</summary>
    public string GraphScope => GraphRoot.AbsoluteUri + ".default";

    public static string ResourceOf(string scope) => scope.Substring(0, scope.Length - "/.default".Length);
}
