using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Customers;
using MultichannelMessages.MetaSandbox.Faults;
using MultichannelMessages.MetaSandbox.Graph;
using MultichannelMessages.MetaSandbox.Limits;
using MultichannelMessages.MetaSandbox.Templates;

namespace MultichannelMessages.MetaSandbox.Messages;

public sealed record WhatsAppSendResponse(string MessagingProduct, IReadOnlyList<SendContact> Contacts, IReadOnlyList<SendMessageId> Messages);
public sealed record SendContact(string Input, string WaId);
public sealed record SendMessageId(string Id, string? MessageStatus);
public sealed record MessengerSendResponse(string RecipientId, string? MessageId);
public sealed record SuccessResponse(bool Success);

/// <summary><c>POST /{version}/{id}/messages</c>: the Cloud API for WhatsApp numbers, the Send API for pages and
/// Instagram accounts (the account's configured kind decides).</summary>
public static class MessageEndpoints
{
    public static async Task<IResult> SendAsync(string id, HttpContext http, MessageServices s)
    {
        var caller = GraphAuth.Authorize(http.Request, s.Accounts, id, "post");
        if (caller.Error is { } denied)
            return denied.ToResult(http.Response);
        var account = caller.Account!;
        if (GraphPermissions.Check(account, GraphPermissions.Messaging(account.Kind)) is { } missing)
            return missing.ToResult(http.Response);
        var whatsApp = account.Kind == AccountKind.WhatsApp;
        if (await JsonFields.ReadObjectAsync(http.Request) is not { } body)
            return GraphErrors.InvalidParameter("The request body must be a JSON object.", whatsApp).ToResult();
        return whatsApp
            ? await WhatsAppAsync(account, caller.Token, body, http, s)
            : await MessengerAsync(account, caller.Token, body, http, s);
    }

    private static async Task<IResult> WhatsAppAsync(SandboxAccount account, string token, JsonObject body, HttpContext http, MessageServices s)
    {
        // Marking an inbound message read (and the typing indicator riding on it) is a call to the same endpoint.
        if (body.Text("status") == "read" && body.Text("message_id") is not null)
            return TypedResults.Json(new SuccessResponse(true));

        var (send, invalid) = WhatsAppSendRules.Validate(body);
        var template = send?.Type == "template" ? s.Templates.Find(account.WabaId!, send.TemplateName!, send.TemplateLanguage!) : null;
        if (invalid is null && send!.Type == "template")
            invalid = TemplateSendRules.Check(template, body, s.TemplateOptions.RequireKnown, send.TemplateName!, send.TemplateLanguage!);
        if (invalid is not null)
            return Refuse(s, account, invalid);

        // Meta's limits on call permission requests are per business number and user, refused at once.
        var permissionRequest = send!.Type == "interactive"
            ? body["interactive"].Text("type") == "call_permission_request"
            : template?.Components is JsonArray components && components.Any(c => c.Text("type")?.ToUpperInvariant() == "CALL_PERMISSION_REQUEST");
        if (permissionRequest && s.CallPermissions.RequestRefusal(account.Id, send.WaId) is { } limited)
            return Refuse(s, account, limited);

        var windowOpen = s.Windows.IsOpen(account.Id, send.WaId);
        if (s.Admission.Refusal(account, send.Type == "template" && !windowOpen) is { } refused)
            return Refuse(s, account, refused);
        var fault = await s.Faults.ApplyAsync("messages", account, http, send.Type == "template" ? send.TemplateName : null);
        if (fault.Answer is not null)
        {
            // A spam-rate refusal is a blocked outcome for the number's rating; throttling and outages are not.
            if (fault.RefusalCode == 131048)
                s.Quality.Record(account, 131048);
            return fault.Answer;
        }

        var message = Record(account, send, template, body, token, s.Time.GetUtcNow());
        var failure = fault.FailureCode ?? s.Outcomes.FailureCode(account, send, template, windowOpen);
        s.Sent.Add(message);
        if (permissionRequest && failure is null)
            s.CallPermissions.Requested(account.Id, send.WaId, message.Id);
        var held = failure is null && template is not null && s.Pacing.TryHold(template, account, message);
        if (!held)
            s.Delivery.WhatsApp(account, message, failure);
        var status = held ? "held_for_quality_assessment" : send.Type == "template" ? "accepted" : null;
        return TypedResults.Json(new WhatsAppSendResponse("whatsapp", [new SendContact(send.To, send.WaId)],
            [new SendMessageId(message.Id, status)]));
    }

    private static SentRecord Record(SandboxAccount account, WhatsAppSend send, SandboxTemplate? template, JsonObject body,
        string token, DateTimeOffset at) => new()
    {
        Id = GraphIds.Wamid(send.WaId),
        AccountId = account.Id,
        Channel = account.Kind,
        To = send.To,
        RecipientId = send.WaId,
        Type = send.Type,
        Text = send.Text,
        TemplateName = send.TemplateName,
        CallbackData = send.CallbackData,
        Body = body,
        AccessToken = token,
        SentAt = at,
        ConversationId = GraphIds.ConversationId(),
        PricingCategory = send.Type == "template" ? (template?.Category ?? "MARKETING").ToLowerInvariant() : "service",
    };

    private static async Task<IResult> MessengerAsync(SandboxAccount account, string token, JsonObject body, HttpContext http, MessageServices s)
    {
        var (send, invalid) = MessengerSendRules.Validate(body);
        if (invalid is not null)
            return Refuse(s, account, invalid);
        if (send!.Type is null)
            return TypedResults.Json(new MessengerSendResponse(send.RecipientId, null));

        var fault = await s.Faults.ApplyAsync("messages", account, http);
        if (fault.Answer is not null)
            return fault.Answer;

        var message = new SentRecord
        {
            Id = account.Kind == AccountKind.Instagram ? GraphIds.InstagramMid() : GraphIds.MessengerMid(),
            AccountId = account.Id,
            Channel = account.Kind,
            To = send.RecipientId,
            RecipientId = send.RecipientId,
            Type = send.Type,
            Text = send.Text,
            Body = body,
            AccessToken = token,
            SentAt = s.Time.GetUtcNow(),
        };
        s.Sent.Add(message);
        s.Delivery.Messenger(account, message);
        return TypedResults.Json(new MessengerSendResponse(send.RecipientId, message.Id));
    }

    private static IResult Refuse(MessageServices s, SandboxAccount account, GraphError error)
    {
        SandboxLog.SendRefused(s.Logger, account.Id, error.Code);
        return error.ToResult();
    }
}

/// <summary>What the send handlers need, resolved once.</summary>
public sealed class MessageServices(AccountRegistry accounts, SentStore sent, DeliverySimulator delivery, FaultEffects faults,
    CustomerWindows windows, TemplateStore templates, IOptions<TemplateOptions> templateOptions, SendAdmission admission,
    WhatsAppOutcomes outcomes, TemplatePacing pacing, QualityTracker quality, Calls.CallPermissions callPermissions, TimeProvider time,
    ILogger<MessageServices> logger)
{
    public Calls.CallPermissions CallPermissions { get; } = callPermissions;
    public SendAdmission Admission { get; } = admission;
    public WhatsAppOutcomes Outcomes { get; } = outcomes;
    public TemplatePacing Pacing { get; } = pacing;
    public QualityTracker Quality { get; } = quality;
    public AccountRegistry Accounts { get; } = accounts;
    public SentStore Sent { get; } = sent;
    public DeliverySimulator Delivery { get; } = delivery;
    public FaultEffects Faults { get; } = faults;
    public CustomerWindows Windows { get; } = windows;
    public TemplateStore Templates { get; } = templates;
    public TemplateOptions TemplateOptions { get; } = templateOptions.Value;
    public TimeProvider Time { get; } = time;
    public ILogger Logger { get; } = logger;
}
