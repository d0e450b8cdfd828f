using System;
using System.Management.Automation;

namespace DefenderPS.Authentication;

/// <summary>
/// A credential Connect-Defender cannot use (a certificate without its private key, a missing vault
/// secret...), found before anything is sent. Becomes an ErrorRecord with id <c>DefenderPS.{ErrorId}</c>.
/// The message never contains the secret.
/// </summary>
public sealed class CredentialException : Exception
{
    internal CredentialException(string errorId, ErrorCategory category, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorId = errorId;
        Category = category;
    }

    public string ErrorId { get; }

    public ErrorCategory Category { get; }
}
