using System.Text.Json;
using System.Text.RegularExpressions;
using MultichannelMessages.OpenAiSandbox.Apis;
using MultichannelMessages.OpenAiSandbox.Errors;

namespace MultichannelMessages.OpenAiSandbox.Chat;

/// <summary><c>tools</c>, <c>tool_choice</c> and <c>response_format</c>: names as OpenAI allows them, strict schemas
/// by OpenAI's structured-output rules (<see cref="StrictSchema"/>).</summary>
internal static partial class ToolReader
{
    public static IReadOnlyList<FunctionTool> ReadTools(JsonElement body)
    {
        if (body.Member("tools") is not { } array)
            return [];
        var tools = new List<FunctionTool>();
        var index = 0;
        foreach (var tool in array.Array("tools"))
        {
            var param = $"tools[{index++}]";
            tool.RequireObject(param);
            var type = tool.RequiredString("type", param + ".type");
            if (type != "function")
                throw new OpenAiRefusal(OpenAiErrors.InvalidValue(param + ".type",
                    $"Invalid value: '{type}'. The OpenAI sandbox supports 'function' tools only."));
            var function = tool.Member("function") ?? throw new OpenAiRefusal(OpenAiErrors.Missing(param + ".function"));
            var name = CheckName(function.RequiredString("name", param + ".function.name"), param + ".function.name");
            if (tools.Any(t => t.Name == name))
                throw new OpenAiRefusal(OpenAiErrors.Invalid($"Duplicate tool name: '{name}'.", "tools"));
            var strict = function.OptionalBool("strict", param + ".function.strict") ?? false;
            var parameters = function.Member("parameters");
            if (parameters is { } schema && StrictSchema.Violation(schema, strict) is { } violation)
                throw new OpenAiRefusal(OpenAiErrors.Invalid($"Invalid schema for function '{name}': {violation}",
                    param + ".function.parameters", "invalid_function_parameters"));
            tools.Add(new FunctionTool(name, parameters, strict));
        }
        return tools;
    }

    public static ToolChoice ReadToolChoice(JsonElement body, IReadOnlyList<FunctionTool> tools)
    {
        if (body.Member("tool_choice") is not { } choice)
            return tools.Count == 0 ? new ToolChoice("none") : ToolChoice.Auto;
        if (tools.Count == 0)
            throw new OpenAiRefusal(OpenAiErrors.Invalid(
                "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", "tool_choice"));
        if (choice.ValueKind == JsonValueKind.String)
            return choice.GetString() is "none" or "auto" or "required"
                ? new ToolChoice(choice.GetString()!)
                : throw new OpenAiRefusal(OpenAiErrors.InvalidValue("tool_choice",
                    $"Invalid value: '{choice.GetString()}'. Supported values are: 'none', 'auto', and 'required'."));
        choice.RequireObject("tool_choice");
        var function = choice.Member("function") ?? throw new OpenAiRefusal(OpenAiErrors.Missing("tool_choice.function"));
        var name = function.RequiredString("name", "tool_choice.function.name");
        if (tools.All(t => t.Name != name))
            throw new OpenAiRefusal(OpenAiErrors.Invalid(
                $"Invalid value for 'tool_choice': function '{name}' is not one of the provided tools.", "tool_choice"));
        return new ToolChoice("function", name);
    }

    public static ResponseFormat ReadResponseFormat(JsonElement body)
    {
        if (body.Member("response_format") is not { } format)
            return ResponseFormat.Text;
        format.RequireObject("response_format");
        var type = format.RequiredString("type", "response_format.type");
        switch (type)
        {
            case "text":
                return ResponseFormat.Text;
            case "json_object":
                return new ResponseFormat(type);
            case "json_schema":
                var definition = format.Member("json_schema") ?? throw new OpenAiRefusal(OpenAiErrors.Missing("response_format.json_schema"));
                var name = CheckName(definition.RequiredString("name", "response_format.json_schema.name"), "response_format.json_schema.name");
                var strict = definition.OptionalBool("strict", "response_format.json_schema.strict") ?? false;
                var schema = definition.Member("schema");
                if (schema is { } s && StrictSchema.Violation(s, strict) is { } violation)
                    throw new OpenAiRefusal(OpenAiErrors.Invalid($"Invalid schema for response_format '{name}': {violation}",
                        "response_format", "invalid_json_schema"));
                return new ResponseFormat(type, name, schema, strict);
            default:
                throw new OpenAiRefusal(OpenAiErrors.InvalidValue("response_format.type",
                    $"Invalid value: '{type}'. Supported values are: 'json_object', 'json_schema', and 'text'."));
        }
    }

    private static string CheckName(string name, string param)
    {
        if (name.Length > 64)
            throw new OpenAiRefusal(OpenAiErrors.InvalidValue(param,
                $"Invalid '{param}': string too long. Expected a string with maximum length 64, but got a string with length {name.Length} instead.",
                "string_above_max_length"));
        if (!NamePattern().IsMatch(name))
            throw new OpenAiRefusal(OpenAiErrors.InvalidValue(param,
                $"Invalid '{param}': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'."));
        return name;
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex NamePattern();
}
