namespace MultichannelMessages.Contracts.Calls;

// WhatsApp calls (issue 17, docs/calls.md). The agent's browser is the media peer (WebRTC); the platform carries the
// signalling: the customer's SDP offer reaches the browser in LiveCall.OfferSdp, the browser's answer goes back in
// AcceptCallRequest, and for an outbound call the browser's offer goes out in StartCallRequest and Meta's answer comes
// back in CallDetail.AnswerSdp. Routes (Core API):
//   GET  /projects/{projectId}/calls/live                                   → LiveCall[]   (calls.take or calls.make: ringing calls
//                                                                            this person may take, and their own calls)
//   GET  /projects/{projectId}/calls/switchboard                            → Switchboard  (calls.switchboard)
//   GET  /projects/{projectId}/calls/{callId}                               → CallDetail   (who can read the conversation)
//   GET  /projects/{projectId}/conversations/{conversationId}/calls         → CallSummary[]
//   POST /projects/{projectId}/calls/{callId}/accept      AcceptCallRequest → CallDetail   (calls.take; 409 call_already_taken)
//   POST /projects/{projectId}/calls/{callId}/reject                        → CallDetail   (calls.take)
//   POST /projects/{projectId}/calls/{callId}/hangup                        → CallDetail   (who took or placed it, or calls.switchboard)
//   POST /projects/{projectId}/calls/{callId}/hold        HoldCallRequest   → CallDetail   (who took or placed it)
//   POST /projects/{projectId}/conversations/{conversationId}/calls StartCallRequest → CallDetail (calls.make)
//   GET  /projects/{projectId}/conversations/{conversationId}/call-permission → CallPermissionState
//   POST /projects/{projectId}/conversations/{conversationId}/call-permission-requests PermissionRequestBody → CallPermissionState (calls.make)
//   GET/PUT /projects/{projectId}/accounts/{accountId}/call-settings   CallSettings          (GET: calls.take|make|manage; PUT: calls.manage)
//   GET/PUT /projects/{projectId}/accounts/{accountId}/call-agents     CallAgent[]           (calls.manage)
//   POST /projects/{projectId}/calls/{callId}/recording?durationMs=  (body: the audio bytes, Content-Type audio/webm|audio/ogg)
//                                                                            → RecordingInfo (calls.take or calls.make; who took or placed the call)
//   GET  /projects/{projectId}/calls/{callId}/recording                     → the audio (calls.recordings, or who took/placed the call)
// Refusals are ProblemDetails with a stable `code` the console translates (CallErrors below).
// Live: every change to a call emits a change of kind "call" (conversation = the call's conversation, payload
// {"call_id": …, "state": …}) to the project's consoles; a console refetches /calls/live (and the switchboard when open).

/// <summary>A call as the console shows it while it lives (ringing, connecting, in progress).</summary>
/// <param name="Direction">in (the customer called) or out (a person of the business called).</param>
/// <param name="State">connecting, ringing, accepting, connected, ended.</param>
/// <param name="OfferSdp">The customer's offer of an inbound call, for the browser that takes it; null otherwise.</param>
/// <param name="AnswerSdp">Meta's answer of an outbound call, once it came; null otherwise.</param>
public sealed record LiveCall(long Id, long AccountId, string AccountName, long ConversationId, long ContactId, string ContactName,
    string ContactPhone, string Direction, string State, bool OnHold, long? StartedBy, string? StartedByName, long? AcceptedBy,
    string? AcceptedByName, DateTimeOffset RingingAt, DateTimeOffset? ConnectedAt, string? OfferSdp, string? AnswerSdp,
    bool PlacedOutside = false);

/// <summary>A call in a conversation's history (and in its thread event).</summary>
/// <param name="Outcome">completed, missed (a customer's call nobody took), no_answer (a business call the customer did
/// not pick up), rejected, failed, cancelled; null while the call lives (docs/calls.md, "Outcomes").</param>
/// <param name="EndedBy">customer, agent, meta, platform.</param>
/// <param name="PlacedOutside">A business call Meta reported that this platform did not place (another app or the
/// WhatsApp Business app on the number): kept for the history, nobody here is on it.</param>
public sealed record CallSummary(long Id, long ConversationId, string Direction, string State, string? Outcome, long? AcceptedBy,
    string? AcceptedByName, long? StartedBy, string? StartedByName, DateTimeOffset RingingAt, DateTimeOffset? ConnectedAt,
    DateTimeOffset? EndedAt, int? DurationSeconds, string? EndedBy, int? ErrorCode, string? ErrorTitle, string? ErrorDetails,
    bool HasRecording, bool PlacedOutside = false);

/// <summary>One thing that happened to a call (source: webhook, graph, console, platform).</summary>
public sealed record CallEvent(DateTimeOffset At, string Source, string Name, string? Detail, string? UserName);

/// <summary>A call with its SDPs and its audit trail.</summary>
public sealed record CallDetail(CallSummary Call, long AccountId, long ContactId, string ContactName, string? OfferSdp, string? AnswerSdp,
    IReadOnlyList<CallEvent> Events, RecordingInfo? Recording);

public sealed record AcceptCallRequest(string Sdp);

public sealed record StartCallRequest(string Sdp);

public sealed record HoldCallRequest(bool OnHold);

/// <summary>The switchboard: every live call of the project and every person who may take or make calls.</summary>
public sealed record Switchboard(IReadOnlyList<LiveCall> Calls, IReadOnlyList<AgentCallState> Agents);

/// <summary>A person's presence (online, away, offline) and call state (idle, ringing, in_call, on_hold).</summary>
public sealed record AgentCallState(long UserId, string Name, string Presence, string CallState, long? CallId);

/// <summary>Whether the business may call this customer now, and whether a request may be sent.</summary>
/// <param name="Status">no_permission, temporary, permanent (as last known: a reply, an automatic grant or a lookup).</param>
/// <param name="CanCall">Calling is enabled on the number and the permission holds now.</param>
/// <param name="CanRequest">A request may be sent now (window open, within Meta's limits, not already permanent).</param>
/// <param name="RequestRefusal">Why not, as a stable code (CallErrors) when CanRequest is false.</param>
/// <param name="NextRequestAt">When the limits allow the next request, when they are what stops it.</param>
/// <param name="PendingRequestAt">A request sent and not answered yet.</param>
/// <param name="LookupPending">The stored permission was stale and Meta is being asked (the Worker's permission_lookup):
/// Meta's answer replaces the stored permission within seconds; read the state again to see it (no push tells it).</param>
public sealed record CallPermissionState(long AccountId, long ContactId, string Status, DateTimeOffset? ExpiresAt, bool CanCall,
    string? CallRefusal, bool CanRequest, string? RequestRefusal, DateTimeOffset? NextRequestAt, DateTimeOffset? PendingRequestAt,
    bool LookupPending = false);

/// <summary>The permission request's body text (≤ 1,024 characters; the project's default sentence when null).</summary>
public sealed record PermissionRequestBody(string? Text);

/// <summary>Calling on one WhatsApp number. CallHours is Meta's call_hours object as JSON (null: always open).</summary>
/// <param name="SyncState">pending (the Worker has not pushed it to Meta yet), synced, failed (SyncError says why).</param>
public sealed record CallSettings(long AccountId, bool CallingEnabled, bool IconVisible, bool CallbackPermission, string? CallHoursJson,
    bool RecordingEnabled, int RecordingRetentionDays, string SyncState, string? SyncError, DateTimeOffset? SyncedAt);

/// <summary>A person listed on a number: when a number lists anyone, only they take (CanTake) or make (CanMake) its calls.</summary>
public sealed record CallAgent(long UserId, string? Name, bool CanTake, bool CanMake);

public sealed record RecordingInfo(long Id, string MimeType, long SizeBytes, int? DurationMs, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary>Stable refusal codes (ProblemDetails "code"), translated by the console (calls.error.{code}).</summary>
public static class CallErrors
{
    public const string NotFound = "call_not_found";
    public const string AlreadyTaken = "call_already_taken";
    public const string NotRinging = "call_not_ringing";
    public const string NotYours = "call_not_yours";
    public const string NotAllowedOnNumber = "call_not_allowed_on_number";
    public const string CallingDisabled = "calling_disabled";
    public const string NotWhatsApp = "call_not_whatsapp";
    public const string NoPermission = "call_no_permission";
    public const string PermissionExpired = "call_permission_expired";
    public const string CallInProgress = "call_in_progress";
    public const string RequestWindowClosed = "call_permission_window_closed";
    public const string RequestDailyLimit = "call_permission_daily_limit";
    public const string RequestWeeklyLimit = "call_permission_weekly_limit";
    public const string RequestAlreadyPermanent = "call_permission_already_permanent";
    public const string RequestPending = "call_permission_pending";
    public const string InvalidSdp = "invalid_sdp";
    public const string RecordingDisabled = "recording_disabled";
    public const string RecordingTooLarge = "recording_too_large";
    public const string RecordingExists = "recording_exists";
    public const string NotConnected = "call_not_connected";
    public const string RecordingUnsupported = "recording_unsupported_type";
    public const string RecordingEmpty = "recording_empty";
    public const string RecordingUnavailable = "recording_unavailable";
}
