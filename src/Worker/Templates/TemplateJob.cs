namespace MultichannelMessages.Worker.Templates;

/// <summary>One claimed row of meta.templates (meta.claim_template_jobs): a submission or a deletion at Meta.</summary>
public sealed class TemplateJob
{
    public long TemplateId { get; init; }
    public string Action { get; init; } = "";
    public int AttemptCount { get; init; }
    public long ProjectId { get; init; }
    public long AccountId { get; init; }
    public string WabaId { get; init; } = "";
    public string Name { get; init; } = "";
    public string Language { get; init; } = "";
    public string Category { get; init; } = "";
    public string ParameterFormat { get; init; } = "";
    public string Components { get; init; } = "[]";
    public string? MetaTemplateId { get; init; }
    public byte[]? AccessTokenEnc { get; init; }
}
