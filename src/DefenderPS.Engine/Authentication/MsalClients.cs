using System;
using System.Net;
using System.Net.Http;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.AppConfig;

namespace DefenderPS.Authentication;

/// <summary>How a session's MSAL application reaches its authority: the authority itself, the token scope and the proxy.</summary>
internal sealed class MsalSettings
{
    public MsalSettings(Uri authority, bool customAuthority, string scope, IWebProxy? proxy, TimeProvider clock, HttpMessageHandler? httpHandler)
    {
        Authority = authority;
        CustomAuthority = customAuthority;
        Scope = scope;
        Proxy = proxy;
        Clock = clock;
        HttpHandler = httpHandler;
    }

    /// <summary>The full authority, tenant included, e.g. <c>https://login.microsoftonline.us/contoso.onmicrosoft.us</c>.</summary>
    public Uri Authority { get; }

    /// <summary>From -AuthorityUri: MSAL neither validates it nor runs instance discovery for it.</summary>
    public bool CustomAuthority { get; }

    public string Scope { get; }

    /// <summary>From -Proxy; null uses the system proxy.</summary>
    public IWebProxy? Proxy { get; }

    /// <summary>Where token times are read from.</summary>
    public TimeProvider Clock { get; }

    /// <summary>
    /// Tests only: where MSAL's requests go (MSAL itself refuses non-https authorities, so tests point it at a loopback
    /// fake). A handler, not an MSAL type: the tests' MSAL is not the copy DefenderPS loads in its own context.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; }
}

/// <summary>
/// Every MSAL application DefenderPS builds comes from here, so the authority options, the proxy and the
/// tests' HTTP hook are applied the same way for every way in.
/// </summary>
internal static class MsalClients
{
    public static ConfidentialClientApplicationBuilder Confidential(string clientId, MsalSettings settings) =>
        WithAuthority(ConfidentialClientApplicationBuilder.Create(clientId), settings);

    public static PublicClientApplicationBuilder Public(string clientId, MsalSettings settings) =>
        WithAuthority(PublicClientApplicationBuilder.Create(clientId), settings);

    public static ManagedIdentityApplicationBuilder ManagedIdentity(ManagedIdentityId id, IWebProxy? proxy, HttpMessageHandler? httpHandler) =>
        WithHttp(ManagedIdentityApplicationBuilder.Create(id), proxy is null ? null : new LocalBypassProxy(proxy), httpHandler);

    private static T WithAuthority<T>(T builder, MsalSettings settings)
        where T : AbstractApplicationBuilder<T>
    {
        builder = builder.WithAuthority(settings.Authority, validateAuthority: !settings.CustomAuthority);
        if (settings.CustomAuthority)
        {
            builder = builder.WithInstanceDiscovery(false);
        }

        return WithHttp(builder, settings.Proxy, settings.HttpHandler);
    }

    private static T WithHttp<T>(T builder, IWebProxy? proxy, HttpMessageHandler? httpHandler)
        where T : BaseAbstractApplicationBuilder<T>
    {
        if (httpHandler is not null)
        {
            return builder.WithHttpClientFactory(new FixedHttpClientFactory(new HttpClient(httpHandler, disposeHandler: false)));
        }

        return proxy is null ? builder : builder.WithHttpClientFactory(new FixedHttpClientFactory(new HttpClient(new HttpClientHandler { Proxy = proxy, UseProxy = true })));
    }

    /// <summary>
    /// -Proxy for a managed identity: its endpoint is on the machine itself (App Service, Functions, Arc: localhost) or
    /// link-local (IMDS, 169.254.169.254), where no proxy can reach, so only what leaves the machine uses the proxy.
    /// </summary>
    private sealed class LocalBypassProxy(IWebProxy proxy) : IWebProxy
    {
        public ICredentials? Credentials
        {
            get => proxy.Credentials;
            set => proxy.Credentials = value;
        }

        public Uri? GetProxy(Uri destination) => proxy.GetProxy(destination);

        public bool IsBypassed(Uri host) => host.IsLoopback || IsLinkLocal(host) || proxy.IsBypassed(host);

        private static bool IsLinkLocal(Uri host)
        {
            if (!IPAddress.TryParse(host.Host.Trim('[', ']'), out var address))
            {
                return false;
            }

            var bytes = address.GetAddressBytes();
            return address.IsIPv6LinkLocal || (bytes.Length == 4 && bytes[0] == 169 && bytes[1] == 254);
        }
    }

    /// <summary>MSAL wants one long-lived HttpClient per application.</summary>
    private sealed class FixedHttpClientFactory : IMsalHttpClientFactory
    {
        private readonly HttpClient _client;

        public FixedHttpClientFactory(HttpClient client) => _client = client;

        public HttpClient GetHttpClient() => _client;
    }
}
