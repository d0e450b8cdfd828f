namespace DefenderPS.Tests.Infrastructure;

/// <summary>Ids of the recorded contoso tenant (tests/recordings/README.md tells what each route returns).</summary>
public static class Contoso
{
    public const string M1 = "7513d6d510e2ddf829035fd7fefa8c785c30adae";
    public const string M2 = "8886f27274236621e7a07d4d42bb110082023c4f";
    public const string M3 = "a72f223ff7bbd01cf59cdbe6f0c1bf0c716681ee";
    public const string M4 = "22ee2dd71fc61f6ece85c42748a0b13ed5e2380d";
    public const string UnknownMachine = "0000000000000000000000000000000000000000";

    public const string A1 = "da638349583245617393_-1127291855";
    public const string A2 = "da638353783076612004_-1687049044";
    public const string A3WithoutUser = "ar638180599315648136_73827727";
    public const string A4 = "da638351435020937415_1655757385";
    public const string A5WithExtraProperty = "da638360390768805120_-1043878362";
    public const string A6 = "da638356423603318067_1456476994";
    public const string Forbidden = "da000000000000000000_forbidden";
    public const string NotFound = "da000000000000000000_notfound";
    public const string ServerError = "da000000000000000000_servererror";
}
