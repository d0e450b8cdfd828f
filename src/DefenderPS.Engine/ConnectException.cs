using System;
using System.Management.Automation;

namespace DefenderPS;

/// <summary>
/// A problem connecting: an option or credential Connect-Defender cannot use (found before anything is sent), or a
/// token the identity provider refused. Becomes an ErrorRecord with id <c>DefenderPS.{ErrorId}</c>. The message never
/// contains the secret.
/// </summary>
public sealed class ConnectException : Exception
{
    internal ConnectException(string errorId, ErrorCategory category, string message, Exception? innerException = null, object? target = null)
        : base(message, innerException)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    public string ErrorId { get; }

    public ErrorCategory Category { get; }

    /// <summary>The value the error is about, such as the -ApiUri given.</summary>
    public object? Target { get; }

    /// <summary>The identity provider's error code (MSAL's, e.g. invalid_client) when it refused a token.</summary>
    public string? ProviderErrorCode { get; internal set; }

    internal ErrorRecord ToErrorRecord() => new(this, "DefenderPS." + ErrorId, Category, Target)
    {
        ErrorDetails = new ErrorDetails(ErrorText.OneLine(Message)),
    };
}
