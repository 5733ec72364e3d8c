using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.MetaSandbox.Apis;
using MultichannelMessages.MetaSandbox.Webhooks;

namespace MultichannelMessages.MetaSandbox.Templates;

public sealed record TemplateStatusRequest(string? Status, string? Reason);
public sealed record TemplateQualityRequest(string? Score);

/// <summary>
/// The sandbox's control of a template's life after review, as Meta would change it: pause or disable it (or
/// reinstate it), or move its quality score; each sends the webhook Meta sends
/// (message_template_status_update, message_template_quality_update).
/// </summary>
public static class TemplateControl
{
    private static readonly string[] Statuses = ["APPROVED", "REJECTED", "PAUSED", "DISABLED"];
    private static readonly string[] Scores = ["GREEN", "YELLOW", "RED", "UNKNOWN"];

    public static Ok<TemplateView[]> List(TemplateStore templates) => TypedResults.Ok(templates.All().Select(TemplateView.Of).ToArray());

    public static Results<Ok<TemplateView>, NotFound, ValidationProblem> SetStatus(string id, TemplateStatusRequest body, TemplateServices s)
    {
        var status = body.Status?.ToUpperInvariant();
        if (status is null || !Statuses.Contains(status))
            return RequestValidation.Problem("status", $"Status must be one of {string.Join(", ", Statuses)}.");
        if (s.Templates.Find(id) is not { } t)
            return TypedResults.NotFound();
        var reason = body.Reason ?? (status == "REJECTED" ? "INVALID_FORMAT" : "NONE");
        t.Status = status;
        t.RejectedReason = status == "REJECTED" ? reason : null;
        var webhook = WhatsAppPayloads.TemplateStatus(t.WabaId, t.Id, t.Name, t.Language, status, reason, t.Category);
        s.Scheduler.Schedule(webhook, TimeSpan.Zero);
        SandboxLog.TemplateReviewed(s.Logger, t.Id, t.Name, status);
        return TypedResults.Ok(TemplateView.Of(t));
    }

    public static Results<Ok<TemplateView>, NotFound, ValidationProblem> SetQuality(string id, TemplateQualityRequest body, TemplateServices s)
    {
        var score = body.Score?.ToUpperInvariant();
        if (score is null || !Scores.Contains(score))
            return RequestValidation.Problem("score", $"Score must be one of {string.Join(", ", Scores)}.");
        if (s.Templates.Find(id) is not { } t)
            return TypedResults.NotFound();
        var previous = t.QualityScore;
        t.QualityScore = score;
        s.Scheduler.Schedule(WhatsAppPayloads.TemplateQuality(t.WabaId, t.Id, t.Name, t.Language, previous, score), TimeSpan.Zero);
        return TypedResults.Ok(TemplateView.Of(t));
    }

    /// <summary>Template pacing: hold the template's sends, then release them or pause the template (PAUSED with
    /// FIRST_PAUSE, quality RED, each held message failed with 132015), as Meta ends a quality assessment.</summary>
    public static Results<Ok<PacingView>, NotFound, ValidationProblem> SetPacing(string id, PacingRequest body, TemplateServices s)
    {
        var outcome = body.Outcome?.ToLowerInvariant() ?? "release";
        if (body.Hold is null)
            return RequestValidation.Problem("hold", "hold is required: true to hold sends, false to end the assessment.");
        if (outcome is not ("release" or "pause"))
            return RequestValidation.Problem("outcome", "outcome must be release or pause.");
        if (s.Templates.Find(id) is not { } t)
            return TypedResults.NotFound();
        if (body.Hold.Value)
        {
            s.Pacing.Start(t);
            return TypedResults.Ok(PacingOf(t, s));
        }
        var held = s.Pacing.Stop(t);
        if (outcome == "pause")
            Pause(t, s);
        foreach (var (account, message) in held)
            s.Delivery.WhatsApp(account, message, outcome == "pause" ? 132015 : null);
        return TypedResults.Ok(PacingOf(t, s));
    }

    private static void Pause(SandboxTemplate t, TemplateServices s)
    {
        var previous = t.QualityScore;
        t.Status = "PAUSED";
        t.QualityScore = "RED";
        var otherInfo = new JsonObject
        {
            ["title"] = "FIRST_PAUSE",
            ["description"] = $"Your {t.Name} template has been paused because its quality assessment during pacing found low quality.",
        };
        s.Scheduler.Schedule(WhatsAppPayloads.TemplateStatus(t.WabaId, t.Id, t.Name, t.Language, "PAUSED", "NONE", t.Category, otherInfo), TimeSpan.Zero);
        s.Scheduler.Schedule(WhatsAppPayloads.TemplateQuality(t.WabaId, t.Id, t.Name, t.Language, previous, "RED"), TimeSpan.Zero);
        SandboxLog.TemplateReviewed(s.Logger, t.Id, t.Name, t.Status);
    }

    private static PacingView PacingOf(SandboxTemplate t, TemplateServices s) =>
        new(t.Id, t.PacingHold, s.Pacing.Count(t.Id), t.Status, t.QualityScore);
}
