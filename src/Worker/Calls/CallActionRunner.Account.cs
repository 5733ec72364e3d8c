using System.Text.Json;
using System.Text.Json.Nodes;

namespace MultichannelMessages.Worker.Calls;

/// <summary>The number's actions: its calling settings pushed to Meta, and a customer's permission looked up.</summary>
public sealed partial class CallActionRunner
{
    private static readonly string[] PermissionStatuses = ["no_permission", "temporary", "permanent"];

    /// <summary>Pushes calls.settings as it is now (the latest edit, whatever version queued this action) and marks that
    /// version synced or failed with Meta's words; a newer edit made meanwhile keeps its own pending push.</summary>
    private async Task<CallActionOutcome> PushSettingsAsync(CallAction a, string token, CancellationToken ct)
    {
        if (await store.SettingsAsync(a.AccountId, ct) is not { } settings)
            return Lease(await store.FinishAsync(a, true, null, new JsonObject { ["skipped"] = "the number has no calling settings" }, ct),
                CallActionOutcome.Done);
        JsonObject calling;
        try
        {
            calling = Calling(settings);
        }
        catch (JsonException ex)
        {
            var invalid = "invalid_call_hours: " + ex.Message;
            return Lease(await store.SettingsPushedAsync(a, settings.Version, false, invalid, null, ct), CallActionOutcome.Failed);
        }
        var result = await graph.SettingsAsync(a.PhoneNumberId, calling, token, ct);
        if (result.Succeeded)
        {
            CallLog.SettingsPushed(logger, a.AccountId, settings.Version, "synced", "");
            return Lease(await store.SettingsPushedAsync(a, settings.Version, true, null, result.Log, ct), CallActionOutcome.Done);
        }
        if (await RetryOrGiveUpAsync(a, result.Error!, null, ct) is { } retried) return retried;
        CallLog.SettingsPushed(logger, a.AccountId, settings.Version, "failed", result.Error!.ToString());
        return Lease(await store.SettingsPushedAsync(a, settings.Version, false, result.Error!.ToString(), result.Log, ct), CallActionOutcome.Failed);
    }

    /// <summary>Meta's calling object. call_hours goes only when set: Meta replaces call hours whole when they are sent.</summary>
    public static JsonObject Calling(CallSettingsRow settings)
    {
        var calling = new JsonObject
        {
            ["status"] = settings.CallingEnabled ? "ENABLED" : "DISABLED",
            ["call_icon_visibility"] = settings.IconVisible ? "DEFAULT" : "DISABLE_ALL",
            ["callback_permission_status"] = settings.CallbackPermission ? "ENABLED" : "DISABLED",
        };
        if (settings.CallHours is { } hours && JsonNode.Parse(hours) is JsonObject callHours) calling["call_hours"] = callHours;
        return calling;
    }

    /// <summary>GET call_permissions for the action's customer: the permission and Meta's limits (actions[] as given)
    /// go to calls.permissions; a call the lookup was made for gets the answer in its trail.</summary>
    private async Task<CallActionOutcome> LookUpPermissionAsync(CallAction a, string token, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(a.ContactWaId))
            return Lease(await store.FinishAsync(a, false, "the contact has no WhatsApp id", null, ct), CallActionOutcome.Failed);
        var result = await graph.PermissionsAsync(a.PhoneNumberId, a.ContactWaId, token, ct);
        if (a.CallId is { } callId) await store.LogAsync(callId, "graph", "call_permissions", result.Log, ct);
        if (!result.Succeeded)
        {
            if (await RetryOrGiveUpAsync(a, result.Error!, null, ct) is { } retried) return retried;
            return Lease(await store.FinishAsync(a, false, result.Error!.ToString(), result.Log, ct), CallActionOutcome.Failed);
        }
        var permission = result.Body?["permission"];
        var status = permission?["status"] is JsonValue s && s.TryGetValue<string>(out var text) ? text : null;
        if (status is null || !PermissionStatuses.Contains(status))
            return Lease(await store.FinishAsync(a, false, $"unexpected permission status '{status}' in Meta's answer", result.Log, ct),
                CallActionOutcome.Failed);
        // Unix seconds; a number in Meta's sample, a string in some of its webhooks: either is read.
        DateTimeOffset? expires = permission?["expiration_time"] is JsonValue e
            && (e.TryGetValue<long>(out var seconds) || (e.TryGetValue<string>(out var digits) && long.TryParse(digits, out seconds)))
            ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
        return Lease(await store.PermissionLookedUpAsync(a, status, expires, result.Body?["actions"], result.Log, ct), CallActionOutcome.Done);
    }
}
