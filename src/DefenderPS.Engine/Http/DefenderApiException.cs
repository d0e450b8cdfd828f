using System;
using System.Management.Automation;

namespace DefenderPS.Http;

/// <summary>
/// A failed call, with what the service said. Cmdlets turn it into an ErrorRecord with a stable
/// FullyQualifiedErrorId; scripts can read StatusCode, ErrorCode and CorrelationTarget from $_.Exception.
/// </summary>
public sealed class DefenderApiException : Exception
{
    internal DefenderApiException(
        DefenderErrorKind kind,
        string message,
        int? statusCode = null,
        string? errorCode = null,
        string? correlationTarget = null,
        string? recommendedAction = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        StatusCode = statusCode;
        ErrorCode = errorCode;
        CorrelationTarget = correlationTarget;
        RecommendedAction = recommendedAction;
    }

    public DefenderErrorKind Kind { get; }

    /// <summary>What the service said, verbatim (its error message), when it said anything.</summary>
    public string? ServiceMessage { get; internal set; }

    /// <summary>The HTTP status, or null when no response arrived.</summary>
    public int? StatusCode { get; }

    /// <summary>The service's error code, such as ResourceNotFound.</summary>
    public string? ErrorCode { get; }

    /// <summary>The service's correlation id (the error's <c>target</c>), worth quoting to Microsoft support.</summary>
    public string? CorrelationTarget { get; }

    public string? RecommendedAction { get; }

    /// <summary>The action already pending on the machine, when the service refused a second one (ActiveRequestAlreadyExists).</summary>
    public string? PendingActionId { get; internal set; }

    /// <summary>What the error record names as its target instead of the input: the action object whose final status failed.</summary>
    internal object? ErrorTarget { get; set; }

    internal ErrorRecord ToErrorRecord(object? targetObject)
    {
        var (id, category) = Kind switch
        {
            DefenderErrorKind.BadRequest => ("BadRequest", ErrorCategory.InvalidArgument),
            DefenderErrorKind.Unauthorized => ("Unauthorized", ErrorCategory.AuthenticationError),
            DefenderErrorKind.Forbidden => ("Forbidden", ErrorCategory.PermissionDenied),
            DefenderErrorKind.NotFound => ("NotFound", ErrorCategory.ObjectNotFound),
            DefenderErrorKind.Throttled => ("TooManyRequests", ErrorCategory.LimitsExceeded),
            DefenderErrorKind.ServerError => ("ServerError", ErrorCategory.ResourceUnavailable),
            DefenderErrorKind.ConnectionFailed => ("ConnectionFailed", ErrorCategory.ConnectionError),
            DefenderErrorKind.Timeout => ("Timeout", ErrorCategory.OperationTimeout),
            DefenderErrorKind.InvalidResponse => ("InvalidResponse", ErrorCategory.InvalidResult),
            DefenderErrorKind.Authentication => ("AuthenticationFailed", ErrorCategory.AuthenticationError),
            DefenderErrorKind.InvalidId => ("InvalidId", ErrorCategory.InvalidArgument),
            DefenderErrorKind.Disconnected => ("SessionDisconnected", ErrorCategory.ConnectionError),
            DefenderErrorKind.ActionPending => ("ActionAlreadyPending", ErrorCategory.ResourceBusy),
            DefenderErrorKind.ActionFailed => ("ActionFailed", ErrorCategory.InvalidResult),
            DefenderErrorKind.ActionTimedOut => ("ActionTimedOut", ErrorCategory.OperationTimeout),
            DefenderErrorKind.ActionCancelled => ("ActionCancelled", ErrorCategory.OperationStopped),
            DefenderErrorKind.WaitTimedOut => ("WaitTimedOut", ErrorCategory.OperationTimeout),
            _ => ("RequestFailed", ErrorCategory.NotSpecified),
        };
        var record = new ErrorRecord(this, "DefenderPS." + id, category, ErrorTarget ?? targetObject)
        {
            ErrorDetails = new ErrorDetails(ErrorText.OneLine(Message)) { RecommendedAction = RecommendedAction is null ? null : ErrorText.OneLine(RecommendedAction) },
        };
        return record;
    }
}

/// <summary>What went wrong, independent of the exact HTTP status.</summary>
public enum DefenderErrorKind
{
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Throttled,
    ServerError,
    ConnectionFailed,
    Timeout,
    InvalidResponse,
    Authentication,
    InvalidId,
    Disconnected,

    /// <summary>An action of the same type is already pending on the machine; <see cref="DefenderApiException.PendingActionId"/> names it.</summary>
    ActionPending,

    /// <summary>A machine action ended Failed.</summary>
    ActionFailed,

    /// <summary>A machine action ended TimeOut: the device did not carry it out in time.</summary>
    ActionTimedOut,

    /// <summary>A machine action ended Cancelled.</summary>
    ActionCancelled,

    /// <summary>A wait for machine actions (-TimeoutSec) ran out before they ended; the actions go on.</summary>
    WaitTimedOut,
    Other,
}
