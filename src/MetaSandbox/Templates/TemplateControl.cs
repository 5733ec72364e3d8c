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
}
