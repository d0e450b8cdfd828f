using System;
using System.Threading;
using System.Threading.Tasks;
using System.Management.Automation;
using Microsoft.Identity.Client;

namespace DefenderPS.Authentication;

/// <summary>Supplies bearer tokens for one session. Implementations never expose the token outside a request header.</summary>
internal abstract class TokenSource : IDisposable
{
    private readonly TimeProvider _clock;
    private TokenInfo _current = TokenInfo.None;
    private int _issued;

    /// <param name="clock">Where token times (acquired, expired) are read from.</param>
    protected TokenSource(TimeProvider clock) => _clock = clock;

    protected TimeProvider Clock => _clock;

    public abstract AuthenticationKind Kind { get; }

    /// <summary>What proves the identity, for Get-DefenderSession: never the secret itself.</summary>
    public virtual string Credential => Kind.ToString();

    /// <summary>Expiry of the token last handed out, if known.</summary>
    public DateTimeOffset? ExpiresOn
    {
        get => _current.ExpiresOn;
        protected set => _current = new TokenInfo(value, _current.AcquiredAt, _current.Origin);
    }

    /// <summary>When the token in use was obtained from the identity provider (or handed to Connect-Defender).</summary>
    public DateTimeOffset? AcquiredAt => _current.AcquiredAt;

    /// <summary>Where the token last handed out came from: IdentityProvider, Cache, or Supplied (-AccessToken).</summary>
    public string? Origin => _current.Origin;

    /// <summary>Tokens obtained from the identity provider so far: 1 after connecting, more after each renewal.</summary>
    public int IssuedCount => Volatile.Read(ref _issued);

    /// <param name="forceRefresh">True after the service rejected the previous token with 401.</param>
    public abstract Task<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken);

    /// <summary>
    /// The first token, at connect time. Interactive sources (device code) talk to the user through
    /// <paramref name="sink"/>; the others just get a token.
    /// </summary>
    public virtual Task<string> SignInAsync(IPipelineSink sink, CancellationToken cancellationToken) =>
        GetTokenAsync(forceRefresh: false, cancellationToken);

    /// <summary>
    /// <see cref="SignInAsync"/> for Connect-Defender, with MSAL's failure turned into a <see cref="ConnectException"/> that
    /// names <paramref name="who"/> was signing in: MSAL's types stay in DefenderPS's own load context, away from the cmdlets.
    /// </summary>
    public async Task<string> FirstTokenAsync(string who, IPipelineSink sink, CancellationToken cancellationToken)
    {
        try
        {
            return await SignInAsync(sink, cancellationToken).ConfigureAwait(false);
        }
        catch (MsalException e)
        {
            throw SignInFailed(who, e);
        }
    }

    /// <summary>A token for a request; the identity provider's refusal comes as a <see cref="ConnectException"/> naming <paramref name="who"/>.</summary>
    public async Task<string> RequestTokenAsync(bool forceRefresh, string who, CancellationToken cancellationToken)
    {
        try
        {
            return await GetTokenAsync(forceRefresh, cancellationToken);
        }
        catch (MsalException e)
        {
            throw SignInFailed(who, e);
        }
    }

    /// <summary>
    /// Tokens for another audience, such as Microsoft Graph's <paramref name="scope"/>, from the same credential; null where
    /// the way in holds a token for one audience only (-AccessToken: the caller brings a token for each audience).
    /// </summary>
    public virtual TokenSource? ForAudience(string scope) => null;

    /// <summary>False when a rejected token cannot be replaced, so a 401 is final.</summary>
    public abstract bool CanRefresh { get; }

    /// <summary>
    /// Throws <see cref="TokenExpiredException"/> when the token has expired and nothing can renew it, so a call fails
    /// before it spends the call budget. Sources that renew their tokens never throw here.
    /// </summary>
    public virtual void ThrowIfExpired()
    {
    }

    /// <summary>Discards everything the source holds; a disconnected session shows no token times.</summary>
    public virtual void Dispose() => _current = TokenInfo.None;

    /// <summary>Notes when and how MSAL produced <paramref name="result"/>, and hands out its token.</summary>
    protected string Record(AuthenticationResult result)
    {
        var fromCache = result.AuthenticationResultMetadata?.TokenSource == Microsoft.Identity.Client.TokenSource.Cache;
        var previous = _current;
        DateTimeOffset? acquiredAt = previous.AcquiredAt;
        if (!fromCache || acquiredAt is null)
        {
            acquiredAt = _clock.GetUtcNow();
            Interlocked.Increment(ref _issued);
        }

        _current = new TokenInfo(result.ExpiresOn, acquiredAt, fromCache ? "Cache" : "IdentityProvider");
        return result.AccessToken;
    }

    protected void RecordSupplied(DateTimeOffset? expiresOn)
    {
        _current = new TokenInfo(expiresOn, _clock.GetUtcNow(), "Supplied");
        Interlocked.Increment(ref _issued);
    }

    private static ConnectException SignInFailed(string who, MsalException e) =>
        new("AuthenticationFailed", ErrorCategory.AuthenticationError, $"Could not get a token for {who}: {e.Message}", e) { ProviderErrorCode = e.ErrorCode };

    /// <summary>Swapped as a whole, so readers on other threads never see half an update.</summary>
    private sealed class TokenInfo
    {
        public static readonly TokenInfo None = new(null, null, null);

        public TokenInfo(DateTimeOffset? expiresOn, DateTimeOffset? acquiredAt, string? origin)
        {
            ExpiresOn = expiresOn;
            AcquiredAt = acquiredAt;
            Origin = origin;
        }

        public DateTimeOffset? ExpiresOn { get; }

        public DateTimeOffset? AcquiredAt { get; }

        public string? Origin { get; }
    }
}
