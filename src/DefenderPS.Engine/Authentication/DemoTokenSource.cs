using System.Threading;
using System.Threading.Tasks;
using DefenderPS.Session;

namespace DefenderPS.Authentication;

/// <summary>The built-in demo tenant needs no credentials; its handler ignores the header.</summary>
internal sealed class DemoTokenSource : TokenSource
{
    public override AuthenticationKind Kind => AuthenticationKind.Demo;

    public override string Credential => "none (the built-in demo tenant)";

    public override bool CanRefresh => false;

    public override Task<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken) =>
        Task.FromResult("demo");
}
