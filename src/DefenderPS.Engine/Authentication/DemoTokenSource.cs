using System;
using System.Threading;
using System.Threading.Tasks;

namespace DefenderPS.Authentication;

/// <summary>The built-in demo tenant needs no credentials; its handler ignores the header.</summary>
internal sealed class DemoTokenSource : TokenSource
{
    public DemoTokenSource(TimeProvider clock)
        : base(clock)
    {
    }

    public override AuthenticationKind Kind => AuthenticationKind.Demo;

    public override string Credential => "none (the built-in demo tenant)";

    public override bool CanRefresh => false;

    public override Task<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken) =>
        Task.FromResult("demo");
}
