namespace DefenderPS.Authentication;

/// <summary>How a session obtains its bearer tokens.</summary>
public enum AuthenticationKind
{
    AccessToken,
    ClientSecret,
    Demo,
    Certificate,
    FederatedToken,
    ManagedIdentity,
    DeviceCode,
}
