namespace MultichannelMessages.CoreApi.Templates;

/// <summary>A new template as the console's editor writes it. The API turns it into Meta's components (see
/// <see cref="TemplateComponents"/>); variables are <c>{{1}}</c>, <c>{{2}}</c>… (positional) or
/// <c>{{first_name}}</c> (named).</summary>
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

/// <summary>A validation refusal: the field at fault, a stable code, a sentence.</summary>
public sealed record TemplateProblem(string Field, string Code, string Detail);
