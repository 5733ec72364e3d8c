namespace MultichannelMessages.CoreApi.Templates;

/// <summary>A validation refusal of a template request: the field at fault, a stable code, a sentence.</summary>
public sealed record TemplateProblem(string Field, string Code, string Detail);
