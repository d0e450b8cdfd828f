using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace DefenderPS.Authentication;

/// <summary>App-only tokens for a service principal that proves itself with a certificate (a client assertion MSAL signs).</summary>
internal sealed class CertificateTokenSource : ConfidentialClientTokenSource
{
    private readonly string _credential;
    private readonly X509Certificate2? _owned;

    /// <param name="owned">True when DefenderPS loaded the certificate (store, file) and so disposes it on disconnect.</param>
    public CertificateTokenSource(string clientId, MsalSettings settings, X509Certificate2 certificate, string origin, bool owned)
        : base(clientId, settings, builder => builder.WithCertificate(certificate, sendX5C: false))
    {
        _owned = owned ? certificate : null;
        _credential = $"certificate {certificate.Subject} (thumbprint {certificate.Thumbprint}, {origin}, valid until {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z)";
    }

    public override AuthenticationKind Kind => AuthenticationKind.Certificate;

    public override string Credential => _credential;

    public override void Dispose()
    {
        base.Dispose();
        _owned?.Dispose();
    }
}

/// <summary>
/// Finds and checks the certificate for -Certificate, -CertificateThumbprint and -CertificatePath, so
/// that a certificate MSAL could not use fails with a clear error before any request.
/// </summary>
internal static class Certificates
{
    private delegate X509Certificate2 PemLoader(string certPemFilePath, string? keyPemFilePath);

    private delegate X509Certificate2 EncryptedPemLoader(string certPemFilePath, ReadOnlySpan<char> password, string? keyPemFilePath);

    /// <summary>A certificate MSAL can sign with: valid now, with an RSA private key this account can use.</summary>
    private static X509Certificate2 Checked(X509Certificate2 certificate, string origin, TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var name = $"The certificate {certificate.Subject} (thumbprint {certificate.Thumbprint}, {origin})";
        if (now < certificate.NotBefore.ToUniversalTime())
        {
            throw new ConnectException("CertificateNotValid", ErrorCategory.InvalidData,
                $"{name} is not valid until {certificate.NotBefore.ToUniversalTime():u}. Use a certificate that is valid now.");
        }

        if (now > certificate.NotAfter.ToUniversalTime())
        {
            throw new ConnectException("CertificateNotValid", ErrorCategory.InvalidData,
                $"{name} expired on {certificate.NotAfter.ToUniversalTime():u}. Upload a new certificate to the app registration and use that one.");
        }

        if (!certificate.HasPrivateKey)
        {
            throw new ConnectException("CertificateNoPrivateKey", ErrorCategory.InvalidArgument,
                $"{name} has no private key, so it cannot sign in. Use the certificate with its private key (a PFX file, a PEM file with the key, or the store entry that has the key).");
        }

        RSA? key;
        try
        {
            key = certificate.GetRSAPrivateKey();
        }
        catch (CryptographicException e)
        {
            throw new ConnectException("CertificateNoPrivateKey", ErrorCategory.PermissionDenied,
                $"{name} has a private key that cannot be used ({e.Message}). Check that your account may read the key.", e);
        }

        if (key is null)
        {
            throw new ConnectException("CertificateKeyNotSupported", ErrorCategory.InvalidArgument,
                $"{name} does not have an RSA key; Microsoft Entra ID client certificates for MSAL must use RSA (2048 bits or more).");
        }

        return certificate;
    }

    /// <summary>-Certificate: the object the user passed.</summary>
    public static (X509Certificate2 Certificate, string Origin) FromObject(X509Certificate2 certificate, TimeProvider clock) =>
        (Checked(certificate, "from -Certificate", clock), "from -Certificate");

    /// <summary>The certificate with this thumbprint from the CurrentUser, then the LocalMachine, My store.</summary>
    public static (X509Certificate2 Certificate, string Origin) FromStore(string thumbprint, TimeProvider clock)
    {
        // Thumbprints copied from the certificate dialog carry spaces, colons and an invisible left-to-right mark.
        var normalized = new StringBuilder();
        foreach (var c in thumbprint)
        {
            if (Uri.IsHexDigit(c))
            {
                normalized.Append(char.ToUpperInvariant(c));
            }
            else if (!char.IsWhiteSpace(c) && c != ':' && c != '\u200e' && c != '\u200f')
            {
                normalized.Clear();
                break;
            }
        }

        if (normalized.Length != 40)
        {
            throw new ConnectException("InvalidCertificateThumbprint", ErrorCategory.InvalidArgument,
                $"-CertificateThumbprint '{thumbprint}' is not a certificate thumbprint: it must be 40 hexadecimal characters (a SHA-1 hash).");
        }

        foreach (var location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
        {
            if (Find(location, normalized.ToString()) is { } found)
            {
                var origin = $@"from Cert:\{location}\My";
                return (Checked(found, origin, clock), origin);
            }
        }

        throw new ConnectException("CertificateNotFound", ErrorCategory.ObjectNotFound,
            $@"No certificate with thumbprint {normalized} is in Cert:\CurrentUser\My or Cert:\LocalMachine\My. Import it (with its private key) or use -CertificatePath.");
    }

    /// <summary>A PFX (PKCS#12) file, or a PEM file holding the certificate and its private key.</summary>
    public static (X509Certificate2 Certificate, string Origin) FromFile(string path, SecureString? password, TimeProvider clock)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ConnectException("CertificateNotReadable", ErrorCategory.ReadError, $"Cannot read the certificate file '{path}': {e.Message}", e);
        }

        var origin = $"from {Path.GetFileName(path)}";
        try
        {
            return (Checked(IsPem(bytes) ? FromPem(path, password) : FromPfx(bytes, password), origin, clock), origin);
        }
        catch (CryptographicException e)
        {
            var hint = password is null ? "If it is protected by a password, pass -CertificatePassword." : "Check -CertificatePassword.";
            throw new ConnectException("CertificateNotReadable", ErrorCategory.InvalidData,
                $"The certificate file '{path}' could not be opened as a PFX file or a PEM file with a private key. {hint}", e);
        }
    }

    private static X509Certificate2? Find(StoreLocation location, string thumbprint)
    {
        try
        {
            using var store = new X509Store(StoreName.My, location);
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            var matches = store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, validOnly: false);
            return matches.Count > 0 ? matches[0] : null;
        }
        catch (CryptographicException)
        {
            // The store does not exist for this user, or (LocalMachine\My on Linux and macOS) is not supported.
            return null;
        }
    }

    private static bool IsPem(byte[] bytes)
    {
        var start = Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 64)).TrimStart('\uFEFF', '\u00EF', '\u00BB', '\u00BF', ' ', '\t', '\r', '\n');
        return start.StartsWith("-----BEGIN", StringComparison.Ordinal);
    }

    private static X509Certificate2 FromPfx(byte[] bytes, SecureString? password)
    {
        // Keys stay in memory where the platform allows it, instead of being written to the user profile.
        const X509KeyStorageFlags ephemeralKeySet = (X509KeyStorageFlags)32;
        try
        {
            return new X509Certificate2(bytes, password, ephemeralKeySet);
        }
        catch (Exception e) when (e is ArgumentException or PlatformNotSupportedException)
        {
            return new X509Certificate2(bytes, password, X509KeyStorageFlags.DefaultKeySet);
        }
    }

    /// <summary>PEM needs .NET 5 or later (PowerShell 7), which reads certificate and key from one file.</summary>
    private static X509Certificate2 FromPem(string path, SecureString? password)
    {
        if (password is null)
        {
            return PemMethod<PemLoader>("CreateFromPemFile", typeof(string), typeof(string))(path, null);
        }

        var load = PemMethod<EncryptedPemLoader>("CreateFromEncryptedPemFile", typeof(string), typeof(ReadOnlySpan<char>), typeof(string));
        var chars = new char[password.Length];
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(password);
        try
        {
            Marshal.Copy(pointer, chars, 0, chars.Length);
            return load(path, chars, null);
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            Array.Clear(chars, 0, chars.Length);
        }
    }

    private static T PemMethod<T>(string name, params Type[] parameters)
        where T : Delegate
    {
        var method = typeof(X509Certificate2).GetMethod(name, BindingFlags.Public | BindingFlags.Static, null, parameters, null);
        if (method is null)
        {
            throw new ConnectException("PemNotSupported", ErrorCategory.NotImplemented,
                "PEM certificate files need PowerShell 7. In Windows PowerShell 5.1, convert the file to PFX (for example: openssl pkcs12 -export -in cert.pem -out cert.pfx) or import it into Cert:\\CurrentUser\\My and use -CertificateThumbprint.");
        }

        return (T)method.CreateDelegate(typeof(T));
    }
}
