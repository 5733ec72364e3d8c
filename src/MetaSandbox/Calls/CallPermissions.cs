using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Graph;

namespace MultichannelMessages.MetaSandbox.Calls;

/// <summary>
/// What each WhatsApp user allowed each business number (the pair is the unit of every calling limit): the permission
/// (temporary for 7 days, or permanent), the permission requests sent (1 per 24 h, 2 per 7 days, both reset by a
/// connected call), the connected business-initiated calls (per 24 h), and the unanswered ones in a row (4 revoke).
/// </summary>
public sealed class CallPermissions(IOptions<CallOptions> options, TimeProvider time)
{
    private sealed class Pair
    {
        public string Status = "no_permission";
        public DateTimeOffset? Expires;
        public readonly List<DateTimeOffset> Requests = [];
        public readonly List<DateTimeOffset> ConnectedCalls = [];
        public string? PendingRequestId;
        public int Unanswered;
    }

    private readonly Dictionary<(string Account, string User), Pair> _pairs = [];
    private readonly Lock _lock = new();

    private CallOptions O => options.Value;

    /// <summary>temporary, permanent or no_permission (a temporary one past its 7 days is no permission: Meta sends no
    /// webhook when it lapses).</summary>
    public string Status(string accountId, string user)
    {
        lock (_lock)
            return Current(Of(accountId, user)).Status;
    }

    /// <summary>Refusal of a new permission request (138017 when permanent, 138009 past the limits), or null.</summary>
    public GraphError? RequestRefusal(string accountId, string user)
    {
        lock (_lock)
        {
            var pair = Current(Of(accountId, user));
            if (pair.Status == "permanent")
                return CallErrors.PermanentPermissionExists();
            var now = time.GetUtcNow();
            if (Count(pair.Requests, now, TimeSpan.FromDays(1)) >= O.PermissionRequestsPerDay)
                return CallErrors.PermissionRequestLimit($"{O.PermissionRequestsPerDay} per 24 hours");
            return Count(pair.Requests, now, TimeSpan.FromDays(7)) >= O.PermissionRequestsPerWeek
                ? CallErrors.PermissionRequestLimit($"{O.PermissionRequestsPerWeek} per 7 days")
                : null;
        }
    }

    public void Requested(string accountId, string user, string messageId)
    {
        lock (_lock)
        {
            var pair = Of(accountId, user);
            pair.Requests.Add(time.GetUtcNow());
            pair.PendingRequestId = messageId;
        }
    }

    /// <summary>The request a reply answers (context.id of the reply), or null when none awaits one.</summary>
    public string? PendingRequest(string accountId, string user)
    {
        lock (_lock)
            return Of(accountId, user).PendingRequestId;
    }

    /// <summary>Records the user's answer; returns the expiry of a temporary grant.</summary>
    public DateTimeOffset? Reply(string accountId, string user, bool accept, bool permanent)
    {
        lock (_lock)
        {
            var pair = Of(accountId, user);
            pair.PendingRequestId = null;
            if (!accept)
                return null;
            pair.Status = permanent ? "permanent" : "temporary";
            pair.Expires = permanent ? null : time.GetUtcNow().AddHours(O.TemporaryPermissionHours);
            pair.Unanswered = 0;
            return pair.Expires;
        }
    }

    /// <summary>Refusal of a business-initiated call: 138006 without permission, 138012 past the connected-calls limit.</summary>
    public GraphError? CallRefusal(string accountId, string user)
    {
        lock (_lock)
        {
            var pair = Current(Of(accountId, user));
            if (pair.Status == "no_permission")
                return CallErrors.NoPermission();
            var now = time.GetUtcNow();
            return Count(pair.ConnectedCalls, now, TimeSpan.FromDays(1)) >= O.ConnectedCallsPerDay
                ? CallErrors.ConnectedCallsLimit(NextFree(pair.ConnectedCalls, now, TimeSpan.FromDays(1), O.ConnectedCallsPerDay))
                : null;
        }
    }

    /// <summary>A call between the pair connected: the request limits start again; a business-initiated one counts
    /// against the connected-calls limit.</summary>
    public void Connected(string accountId, string user, bool businessInitiated)
    {
        lock (_lock)
        {
            var pair = Of(accountId, user);
            pair.Requests.Clear();
            pair.Unanswered = 0;
            if (businessInitiated)
                pair.ConnectedCalls.Add(time.GetUtcNow());
        }
    }

    /// <summary>A business-initiated call rang out; returns true when this one revoked the permission.</summary>
    public bool Unanswered(string accountId, string user)
    {
        lock (_lock)
        {
            var pair = Of(accountId, user);
            if (++pair.Unanswered < O.UnansweredCallsBeforeRevoke)
                return false;
            pair.Status = "no_permission";
            pair.Expires = null;
            pair.Unanswered = 0;
            return true;
        }
    }

    /// <summary>The body of GET /{phone-number-id}/call_permissions, in Meta's sample shape.</summary>
    public JsonObject View(string accountId, string user)
    {
        lock (_lock)
        {
            var pair = Current(Of(accountId, user));
            var now = time.GetUtcNow();
            var permission = new JsonObject { ["status"] = pair.Status };
            if (pair.Expires is { } expires)
                permission["expiration_time"] = expires.ToUnixTimeSeconds();
            var requestLimits = new JsonArray(
                Limit("PT24H", pair.Requests, now, TimeSpan.FromDays(1), O.PermissionRequestsPerDay),
                Limit("P7D", pair.Requests, now, TimeSpan.FromDays(7), O.PermissionRequestsPerWeek));
            var callLimit = Limit("PT24H", pair.ConnectedCalls, now, TimeSpan.FromDays(1), O.ConnectedCallsPerDay);
            return new JsonObject
            {
                ["messaging_product"] = "whatsapp",
                ["permission"] = permission,
                ["actions"] = new JsonArray(
                    Action("send_call_permission_request", pair.Status != "permanent" && requestLimits.All(UnderLimit), requestLimits),
                    Action("start_call", pair.Status != "no_permission" && UnderLimit(callLimit), new JsonArray(callLimit))),
            };
        }
    }

    private static bool UnderLimit(JsonNode? limit) =>
        limit!["current_usage"]!.GetValue<int>() < limit["max_allowed"]!.GetValue<int>();

    private static JsonObject Action(string name, bool can, JsonArray limits) =>
        new() { ["action_name"] = name, ["can_perform_action"] = can, ["limits"] = limits };

    private static JsonObject Limit(string period, List<DateTimeOffset> uses, DateTimeOffset now, TimeSpan span, int max)
    {
        var used = Count(uses, now, span);
        var limit = new JsonObject { ["time_period"] = period, ["max_allowed"] = max, ["current_usage"] = used };
        if (used >= max)
            limit["limit_expiration_time"] = NextFree(uses, now, span, max).ToUnixTimeSeconds();
        return limit;
    }

    private static int Count(List<DateTimeOffset> uses, DateTimeOffset now, TimeSpan span) => uses.Count(u => now - u < span);

    /// <summary>When enough uses leave the window for one more.</summary>
    private static DateTimeOffset NextFree(List<DateTimeOffset> uses, DateTimeOffset now, TimeSpan span, int max)
    {
        var inWindow = uses.Where(u => now - u < span).Order().ToList();
        return inWindow[inWindow.Count - max] + span;
    }

    private Pair Of(string accountId, string user)
    {
        if (!_pairs.TryGetValue((accountId, user), out var pair))
            _pairs[(accountId, user)] = pair = new Pair();
        return pair;
    }

    private Pair Current(Pair pair)
    {
        if (pair.Status == "temporary" && pair.Expires <= time.GetUtcNow())
        {
            pair.Status = "no_permission";
            pair.Expires = null;
        }
        return pair;
    }
}
