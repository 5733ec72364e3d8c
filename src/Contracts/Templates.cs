using System.Text.Json;

namespace MultichannelMessages.Contracts.Templates;

public sealed record TemplateItem(long Id, long AccountId, string AccountName, string WabaId, string Name, string Language, string Category,
    string ParameterFormat, JsonElement Components, Dictionary<string, string> VariableSources, string Status, string? RejectedReason,
    string? StatusDetail, string QualityScore, string? MetaTemplateId, long? CreatedBy, string? CreatedByName, DateTime CreatedAt,
    DateTime UpdatedAt, string? LastError);

/// <summary>One status change of a template.</summary>
public sealed record TemplateHistoryItem(string Status, string? QualityScore, string? Reason, string Source, string? ActorName, DateTime OccurredAt);

/// <summary>A new template as the console's editor writes it. The API turns it into Meta's components; variables are
/// <c>{{1}}</c>, <c>{{2}}</c>… (positional) or <c>{{first_name}}</c> (named).</summary>
public sealed record TemplateRequest(long? AccountId, string? Name, string? Language, string? Category, string? ParameterFormat,
    HeaderRequest? Header, BodyRequest? Body, string? Footer, ButtonRequest[]? Buttons, Dictionary<string, string>? VariableSources);

/// <summary>Format text (with at most one variable and its example) or image, video, document (example: a public
/// link to a sample file, as Meta asks).</summary>
public sealed record HeaderRequest(string? Format, string? Text, string? Example);

/// <summary>Examples by variable key ("1", "first_name").</summary>
public sealed record BodyRequest(string? Text, Dictionary<string, string>? Examples);

/// <summary>quick_reply (text), url (text, url with at most one trailing variable, example value of that variable),
/// phone_number (text, phoneNumber in E.164).</summary>
public sealed record ButtonRequest(string? Type, string? Text, string? Url, string? Example, string? PhoneNumber);

public sealed record TemplateSendRequest(string? ClientMessageId, long? TemplateId, Dictionary<string, string?>? Parameters);

public sealed record AutofillValue(string Key, string? Source, string? Value, string? Example);

public sealed record AutofillResult(long TemplateId, AutofillValue[] Values);

/// <summary>A pre-flight check; required: it binds now (all of them on a closed window, consent on an open one).</summary>
public sealed record SendCheck(string Name, bool Passed, string Code, JsonElement Detail, bool Required);

public sealed record SendPreflight(bool AllPassed, SendCheck[] Checks);
