using System;
using System.Security;
using System.Threading;
using System.Threading.Tasks;

namespace DefenderPS.Authentication;

/// <summary>A token the user obtained elsewhere. It cannot be refreshed, so its expiry is checked before every use.</summary>
internal sealed class AccessTokenSource : TokenSource
{
    private readonly SecureString _token;
    private string? _plain;

    /// <summary>A token whose expiry is checked against <paramref name="clock"/>.</summary>
    public AccessTokenSource(SecureString token, TimeProvider clock)
        : base(clock)
    {
        _token = token.Copy();
        _token.MakeReadOnly();
        RecordSupplied(JwtClaims.Read(Reveal())?.ExpiresOn);
    }

    public override string Credential => "access token";

    public override AuthenticationKind Kind => AuthenticationKind.AccessToken;

    public override bool CanRefresh => false;

    public override void ThrowIfExpired()
    {
        if (ExpiresOn is { } expiry && expiry <= Clock.GetUtcNow())
        {
            throw new TokenExpiredException(expiry);
        }
    }

    public override Task<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        ThrowIfExpired();
        return Task.FromResult(Reveal());
    }

    public override void Dispose()
    {
        _plain = null;
        _token.Dispose();
        base.Dispose();
    }

    private string Reveal() => _plain ??= SecureStrings.ToPlainText(_token);
}

/// <summary>A user-supplied token has expired and DefenderPS has no way to get another.</summary>
public sealed class TokenExpiredException : Exception
{
    internal TokenExpiredException(DateTimeOffset expiredOn)
        : base($"The access token expired at {expiredOn.UtcDateTime:u} and cannot be refreshed. Get a new token and run Connect-Defender -AccessToken again.")
    {
        ExpiredOn = expiredOn;
    }

    public DateTimeOffset ExpiredOn { get; }
}
