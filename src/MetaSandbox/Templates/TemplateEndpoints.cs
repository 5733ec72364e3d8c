using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Faults;
using MultichannelMessages.MetaSandbox.Graph;
using MultichannelMessages.MetaSandbox.Messages;
using MultichannelMessages.MetaSandbox.Webhooks;

namespace MultichannelMessages.MetaSandbox.Templates;

public sealed record TemplateCreated(string Id, string Status, string Category);
public sealed record TemplateView(string Name, string? ParameterFormat, JsonNode Components, string Language,
    string Status, string Category, string Id, string? RejectedReason, QualityScore QualityScore)
{
    public static TemplateView Of(SandboxTemplate t) =>
        new(t.Name, t.ParameterFormat, t.Components, t.Language, t.Status, t.Category, t.Id, t.RejectedReason ?? "NONE",
            new QualityScore(t.QualityScore));
}
public sealed record QualityScore(string Score);
public sealed record TemplatePage(IReadOnlyList<TemplateView> Data, Paging Paging);
/// <summary>Next: the following page's absolute URL, only when there is one (as Meta pages).</summary>
public sealed record Paging(Cursors Cursors, string? Next = null);
public sealed record Cursors(string Before, string After);

/// <summary><c>/{version}/{waba-id}/message_templates</c>: create (PENDING, reviewed after a delay), list, delete.</summary>
public static partial class TemplateEndpoints
{
    private static readonly string[] Categories = ["AUTHENTICATION", "MARKETING", "UTILITY"];

    public static async Task<IResult> CreateAsync(string wabaId, HttpContext http, TemplateServices s)
    {
        if (Authorize(wabaId, http, s, "post") is { } denied)
            return denied.ToResult(http.Response);
        var fault = await s.Faults.ApplyAsync("templates", s.Accounts.ForWaba(wabaId).First(), http);
        if (fault.Answer is not null)
            return fault.Answer;
        if (await JsonFields.ReadObjectAsync(http.Request) is not { } body)
            return GraphErrors.InvalidParameter("The request body must be a JSON object.").ToResult();

        var (name, language, category) = (body.Text("name"), body.Text("language"), body.Text("category")?.ToUpperInvariant());
        var problem = name is null ? "The parameter name is required."
            : !TemplateName().IsMatch(name) ? "Template name can only contain lowercase letters, numbers and underscores."
            : language is null ? "The parameter language is required."
            : category is null ? "The parameter category is required."
            : !Categories.Contains(category) ? $"Param category must be one of {{{string.Join(", ", Categories)}}} - got \"{category}\"."
            : body["components"] is not JsonArray ? "The parameter components is required."
            : null;
        problem ??= TemplateRules.Problem((JsonArray)body["components"]!, body.Text("parameter_format"));
        if (problem is not null)
            return GraphErrors.InvalidParameter(problem).ToResult();

        var template = new SandboxTemplate
        {
            Id = GraphIds.ObjectId(),
            WabaId = wabaId,
            Name = name!,
            Language = language!,
            Category = category!,
            ParameterFormat = body.Text("parameter_format") ?? "POSITIONAL",
            Components = body["components"]!.DeepClone(),
            CreatedAt = s.Time.GetUtcNow(),
        };
        if (!s.Templates.TryAdd(template))
            return Duplicate(template).ToResult();
        ScheduleReview(template, s);
        return TypedResults.Json(new TemplateCreated(template.Id, template.Status, template.Category));
    }

    public static IResult List(string wabaId, HttpContext http, TemplateServices s)
    {
        if (Authorize(wabaId, http, s, "get") is { } denied)
            return denied.ToResult(http.Response);
        var q = http.Request.Query;
        var matching = s.Templates.ForWaba(wabaId).Where(t =>
            (q["name"].Count == 0 || t.Name.Contains(q["name"].ToString(), StringComparison.Ordinal)) &&
            (q["status"].Count == 0 || t.Status == q["status"].ToString().ToUpperInvariant()) &&
            (q["category"].Count == 0 || t.Category == q["category"].ToString().ToUpperInvariant()) &&
            (q["language"].Count == 0 || t.Language == q["language"].ToString())).ToList();
        var offset = Cursor(q["after"].ToString()) is { } after ? after + 1 : 0;
        var limit = int.TryParse(q["limit"], out var l) && l > 0 ? Math.Min(l, 1000) : 25;
        var page = matching.Skip(offset).Take(limit).Select(TemplateView.Of).ToList();
        var cursors = new Cursors(Encode(offset), Encode(offset + Math.Max(page.Count, 1) - 1));
        var next = offset + page.Count < matching.Count
            ? $"{http.Request.Scheme}://{http.Request.Host}{http.Request.Path}?{NextQuery(q, cursors.After)}" : null;
        return TypedResults.Json(new TemplatePage(page, new Paging(cursors, next)));
    }

    public static IResult Delete(string wabaId, HttpContext http, TemplateServices s)
    {
        if (Authorize(wabaId, http, s, "delete") is { } denied)
            return denied.ToResult(http.Response);
        var name = http.Request.Query["name"].ToString();
        if (name.Length == 0)
            return GraphErrors.InvalidParameter("The parameter name is required.").ToResult();
        return s.Templates.Remove(wabaId, name) > 0
            ? TypedResults.Json(new SuccessResponse(true))
            : GraphErrors.InvalidParameter($"Message template \"{name}\" does not exist.").ToResult();
    }

    private static string NextQuery(IQueryCollection q, string after) => string.Join('&',
        q.Where(p => p.Key != "after").Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value.ToString())}")
            .Append($"after={Uri.EscapeDataString(after)}"));

    private static GraphError? Authorize(string wabaId, HttpContext http, TemplateServices s, string verb) =>
        GraphAuth.AuthorizeOwner(http.Request, s.Accounts, wabaId, s.Accounts.ForWaba(wabaId), verb);

    private static void ScheduleReview(SandboxTemplate t, TemplateServices s)
    {
        var rejected = t.Name.Contains(s.Options.RejectWhenNameContains, StringComparison.OrdinalIgnoreCase);
        var (status, reason) = rejected ? ("REJECTED", "INVALID_FORMAT") : ("APPROVED", "NONE");
        var webhook = WhatsAppPayloads.TemplateStatus(t.WabaId, t.Id, t.Name, t.Language, status, reason, t.Category);
        s.Scheduler.Schedule(webhook, TimeSpan.FromMilliseconds(s.Options.ReviewDelayMs), () =>
        {
            t.Status = status;
            t.RejectedReason = rejected ? reason : null;
            SandboxLog.TemplateReviewed(s.Logger, t.Id, t.Name, status);
        });
    }

    private static GraphError Duplicate(SandboxTemplate t) => GraphErrors.InvalidParameter(
        $"Content in this language already exists for template {t.Name} ({t.Language}).") with
    {
        ErrorSubcode = 2388024,
        ErrorUserTitle = "Content in this language already exists",
        ErrorUserMsg = "There is already content in this language for this template. Create a new template and try again.",
    };

    private static string Encode(int offset) => Convert.ToBase64String(Encoding.ASCII.GetBytes(offset.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static int? Cursor(string cursor)
    {
        try
        {
            return cursor.Length > 0 && int.TryParse(Encoding.ASCII.GetString(Convert.FromBase64String(cursor)), out var n) ? n : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    [GeneratedRegex("^[a-z0-9_]{1,512}$")]
    private static partial Regex TemplateName();
}

public sealed class TemplateServices(AccountRegistry accounts, TemplateStore templates, WebhookScheduler scheduler,
    FaultEffects faults, TemplatePacing pacing, DeliverySimulator delivery, IOptions<TemplateOptions> options, TimeProvider time,
    ILogger<TemplateServices> logger)
{
    public TemplatePacing Pacing { get; } = pacing;
    public DeliverySimulator Delivery { get; } = delivery;
    public AccountRegistry Accounts { get; } = accounts;
    public TemplateStore Templates { get; } = templates;
    public WebhookScheduler Scheduler { get; } = scheduler;
    public FaultEffects Faults { get; } = faults;
    public TemplateOptions Options { get; } = options.Value;
    public TimeProvider Time { get; } = time;
    public ILogger Logger { get; } = logger;
}
