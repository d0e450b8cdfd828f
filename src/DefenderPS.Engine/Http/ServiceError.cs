using System;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace DefenderPS.Http;

/// <summary>
/// The service's error body, <c>{"error":{"code","message","target"}}</c>, and the mapping from an
/// HTTP status to the PowerShell error the user sees.
/// </summary>
internal sealed class ServiceError
{
    private const int MaxErrorBodyBytes = 64 * 1024;

    /// <summary>The service's code for a second action of a type already pending on the device (its target is that action's id).</summary>
    private const string ActiveRequestAlreadyExists = "ActiveRequestAlreadyExists";

    private ServiceError(string? code, string? message, string? target)
    {
        Code = code;
        Message = message;
        Target = target;
    }

    public string? Code { get; }

    public string? Message { get; }

    public string? Target { get; }

    public static async Task<ServiceError> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[MaxErrorBodyBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer, length, buffer.Length - length, cancellationToken)) > 0)
        {
            length += read;
        }

        return Parse(new ReadOnlyMemory<byte>(buffer, 0, length));
    }

    public static DefenderApiException ToException(ApiCall call, int status, ServiceError error, Uri uri)
    {
        var route = call.Route;
        var said = error.Message is null ? string.Empty : $" The service said: {ErrorText.OneLine(error.Message)}";
        var details = $" (HTTP {status}, {error.Code ?? "no error code"}{(error.Target is null ? string.Empty : ", target " + error.Target)})";
        if (error.Code == ActiveRequestAlreadyExists && route.Result == Conversion.EntityKind.MachineAction)
        {
            // The fake (and, some clients assume, the service) names the pending action in the target; a correlation id is no action id.
            var pending = error.Target is { } target && Guid.TryParse(target, out _) ? target : null;
            return ActionPending(call.Id!, route.ActionType, pending, error.Message, status, error.Target);
        }

        var (kind, text, action) = status switch
        {
            400 => (DefenderErrorKind.BadRequest, $"The service refused {call.Describe(uri)} as a bad request.", null),
            401 => (DefenderErrorKind.Unauthorized,
                $"The service rejected the access token for {call.Describe(uri)}: it is missing, expired or not for the Defender API.",
                $"Run Connect-Defender again. The app or user needs the {route.PermissionApi} permission {route.Permission}."),
            403 => (DefenderErrorKind.Forbidden,
                $"Access to {call.Describe(uri)} was denied.",
                $"Grant the app the {route.PermissionApi} permission {route.Permission} (with admin consent); a user also needs the '{route.Role}' role and access to the device's group."),
            404 => NotFound(call),
            429 => (DefenderErrorKind.Throttled, $"The service throttled {call.Describe(uri)}.", "Wait and try again, or lower the request rate."),
            >= 500 => (DefenderErrorKind.ServerError, $"The service failed on {call.Describe(uri)}.", "Try again later."),
            _ => (DefenderErrorKind.Other, $"{call.Describe(uri)} failed.", null),
        };
        return new DefenderApiException(kind, text + said + details, status, error.Code, error.Target, action) { ServiceMessage = error.Message };
    }

    /// <summary>
    /// The service refused a second <paramref name="actionType"/> action on the machine while one is pending:
    /// <paramref name="pendingId"/> names that one when it is known.
    /// </summary>
    public static DefenderApiException ActionPending(string machineId, string actionType, string? pendingId, string? serviceMessage, int status, string? target)
    {
        var said = serviceMessage is null ? string.Empty : $" The service said: {ErrorText.OneLine(serviceMessage)}";
        return new DefenderApiException(
            DefenderErrorKind.ActionPending,
            $"Machine '{machineId}' already has a pending {actionType} action{(pendingId is null ? string.Empty : $" ({pendingId})")}; the service takes no second one until it ends.{said}",
            status,
            ActiveRequestAlreadyExists,
            target,
            pendingId is null
                ? $"List it with Get-DefenderMachineAction -MachineId {machineId} -Type {actionType} -Status Pending, InProgress; then wait for it or cancel it."
                : $"Wait for it (Wait-DefenderMachineAction {pendingId}, or run this again with -Wait), or cancel it (Stop-DefenderMachineAction {pendingId} -Comment ...).")
        {
            ServiceMessage = serviceMessage,
            PendingActionId = pendingId,
        };
    }

    private static (DefenderErrorKind, string, string?) NotFound(ApiCall call)
    {
        var (text, action) = call.NotFound();
        return (DefenderErrorKind.NotFound, text, action);
    }

    private static ServiceError Parse(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object)
            {
                return new ServiceError(StringOf(error, "code"), StringOf(error, "message"), StringOf(error, "target"));
            }
        }
        catch (JsonException)
        {
            // Proxies and gateways answer with HTML or plain text; quote a little of it instead.
        }

        var text = Encoding.UTF8.GetString(body.ToArray()).Trim();
        return new ServiceError(null, text.Length == 0 ? null : Shorten(text), null);
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Shorten(string text) => text.Length <= 300 ? text : text.Substring(0, 300) + "...";
}
