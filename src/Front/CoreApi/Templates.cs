using System.Text.Json;

namespace MultichannelMessages.Front.CoreApi;

// The Core API's template answers (src/CoreApi/Templates) as the console reads them.

public sealed record TemplateItem(long Id, long AccountId, string AccountName, string WabaId, string Name, string Language, string Category,
    string ParameterFormat, JsonElement Components, Dictionary<string, string> VariableSources, string Status, string? RejectedReason,
    string? StatusDetail, string QualityScore, string? MetaTemplateId, long? CreatedBy, string? CreatedByName, DateTime CreatedAt,
    DateTime UpdatedAt, string? LastError);

public sealed record AutofillValue(string Key, string? Source, string? Value, string? Example);

public sealed record AutofillResult(long TemplateId, AutofillValue[] Values);

public sealed record AccountItem(long Id, string Channel, string Name);

public sealed record NewTemplate(long? AccountId, string Name, string Language, string Category, string ParameterFormat,
    NewHeader? Header, NewBody Body, string? Footer, NewButton[] Buttons, Dictionary<string, string> VariableSources);

public sealed record NewHeader(string Format, string? Text, string? Example);

public sealed record NewBody(string Text, Dictionary<string, string> Examples);

public sealed record NewButton(string Type, string Text, string? Url, string? Example, string? PhoneNumber);
