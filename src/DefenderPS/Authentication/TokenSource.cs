using System;
using System.Threading;
using System.Threading.Tasks;
using DefenderPS.Session;

namespace DefenderPS.Authentication;

/// <summary>Supplies bearer tokens for one session. Implementations never expose the token outside a request header.</summary>
internal abstract class TokenSource : IDisposable
{
    public abstract AuthenticationKind Kind { get; }

    /// <summary>Expiry of the token last handed out, if known.</summary>
    public DateTimeOffset? ExpiresOn { get; protected set; }

    /// <param name="forceRefresh">True after the service rejected the previous token with 401.</param>
    public abstract Task<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken);

    /// <summary>False when a rejected token cannot be replaced, so a 401 is final.</summary>
    public abstract bool CanRefresh { get; }

    public virtual void Dispose()
    {
    }
}
