using System.ClientModel;
using OpenAI.Chat;

namespace MultichannelMessages.OpenAiSandbox.Tests;

/// <summary>The refusals OpenAI answers, surfaced by the SDK as <see cref="ClientResultException"/> with the status;
/// each next to the same call made right (the control).</summary>
public class ValidationTests(OpenAiHost host) : IClassFixture<OpenAiHost>
{
    private ChatClient Chat(string model = "gpt-4.1-mini", string key = OpenAiHost.Key) =>
        host.OpenAi(key, maxRetries: 0).GetChatClient(model);

    private static async Task<ClientResultException> RefusedAsync(Func<Task> call) => await Assert.ThrowsAsync<ClientResultException>(call);

    [Fact]
    public async Task Unknown_model_is_404_model_not_found()
    {
        var refused = await RefusedAsync(() => Chat("gpt-9-imaginary").CompleteChatAsync([new UserChatMessage("hi")]));
        ChatCompletion known = await Chat("gpt-4.1").CompleteChatAsync([new UserChatMessage("hi")]);

        Assert.Equal(404, refused.Status);
        Assert.Contains("model_not_found", refused.Message);
        Assert.Contains("The model `gpt-9-imaginary` does not exist", refused.Message);
        Assert.NotEmpty(known.Content[0].Text);
    }

    [Fact]
    public async Task Embedding_model_on_chat_completions_is_refused_as_not_a_chat_model()
    {
        var refused = await RefusedAsync(() => Chat("text-embedding-3-small").CompleteChatAsync([new UserChatMessage("hi")]));
        var embedded = await host.OpenAi().GetEmbeddingClient("text-embedding-3-small").GenerateEmbeddingAsync("hi");

        Assert.Equal(404, refused.Status);
        Assert.Contains("not a chat model", refused.Message);
        Assert.Equal(1536, embedded.Value.ToFloats().Length);
    }

    [Fact]
    public async Task Key_not_configured_is_401_invalid_api_key()
    {
        var refused = await RefusedAsync(() => Chat(key: "sk-not-configured-1234").CompleteChatAsync([new UserChatMessage("hi")]));
        ChatCompletion accepted = await Chat(key: OpenAiHost.KeyA).CompleteChatAsync([new UserChatMessage("hi")]);

        Assert.Equal(401, refused.Status);
        Assert.Contains("invalid_api_key", refused.Message);
        Assert.DoesNotContain("sk-not-configured-1234", refused.Message);
        Assert.NotEmpty(accepted.Content[0].Text);
    }

    public static TheoryData<string, string> BrokenStrictSchemas => new()
    {
        { """{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}""",
          "In context=(), 'additionalProperties' is required to be supplied and to be false." },
        { """{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"required":["a"],"additionalProperties":false}""",
          "In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'b'." },
        { """{"type":"object","properties":{"a":{"type":"object","properties":{"x":{"type":"string"}},"required":["x"]}},"required":["a"],"additionalProperties":false}""",
          "In context=('properties', 'a'), 'additionalProperties' is required to be supplied and to be false." },
        { """{"type":"object","properties":{"a":{"type":"string","minLength":3}},"required":["a"],"additionalProperties":false}""",
          "In context=('properties', 'a'), 'minLength' is not permitted." },
        { """{"type":"array","items":{"type":"string"}}""",
          "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"array\"'." },
    };

    [Theory]
    [MemberData(nameof(BrokenStrictSchemas))]
    public async Task Strict_function_schema_breaking_openai_rules_is_refused_with_openai_words(string schema, string words)
    {
        var tool = ChatTool.CreateFunctionTool("lookup", "Looks up", BinaryData.FromString(schema), functionSchemaIsStrict: true);

        var refused = await RefusedAsync(() => Chat().CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { Tools = { tool } }));

        Assert.Equal(400, refused.Status);
        Assert.Contains($"Invalid schema for function 'lookup': {words}", refused.Message);
        Assert.Contains("invalid_function_parameters", refused.Message);
    }

    [Fact]
    public async Task Same_schemas_pass_without_strict_and_a_strict_valid_schema_passes()
    {
        var loose = ChatTool.CreateFunctionTool("lookup", "Looks up",
            BinaryData.FromString("""{"type":"object","properties":{"a":{"type":"string","minLength":3}}}"""), functionSchemaIsStrict: false);
        var strict = ChatTool.CreateFunctionTool("order_status", "Looks up", Schemas.OrderStatus, functionSchemaIsStrict: true);
        var envelope = ChatResponseFormat.CreateJsonSchemaFormat("envelope", Schemas.Envelope, jsonSchemaIsStrict: true);

        ChatCompletion accepted = await Chat().CompleteChatAsync([new UserChatMessage("hi")],
            new ChatCompletionOptions { Tools = { loose, strict }, ResponseFormat = envelope });

        Assert.NotEmpty(accepted.Content[0].Text);
    }

    [Fact]
    public async Task Strict_response_format_schema_breaking_openai_rules_is_refused()
    {
        var broken = ChatResponseFormat.CreateJsonSchemaFormat("answer",
            BinaryData.FromString("""{"type":"object","properties":{"a":{"type":"string"}},"required":[],"additionalProperties":false}"""), jsonSchemaIsStrict: true);

        var refused = await RefusedAsync(() => Chat().CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { ResponseFormat = broken }));

        Assert.Equal(400, refused.Status);
        Assert.Contains("Invalid schema for response_format 'answer': In context=(), 'required' is required to be supplied", refused.Message);
    }

    [Theory]
    [InlineData("look up")]
    [InlineData("lookup.order")]
    [InlineData("a_name_that_is_far_too_long_for_openai_to_accept_as_a_function_name_x")]
    public async Task Function_name_outside_openai_pattern_is_refused(string name)
    {
        var tool = ChatTool.CreateFunctionTool(name, "Looks up", Schemas.OrderStatus);

        var refused = await RefusedAsync(() => Chat().CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { Tools = { tool } }));

        Assert.Equal(400, refused.Status);
        Assert.Contains("tools[0].function.name", refused.Message);
    }

    [Fact]
    public async Task Function_name_with_dash_underscore_and_digits_is_accepted()
    {
        var tool = ChatTool.CreateFunctionTool("order-status_v2", "Looks up", Schemas.OrderStatus);

        ChatCompletion accepted = await Chat().CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { Tools = { tool } });

        Assert.NotEmpty(accepted.Content[0].Text);
    }

    [Fact]
    public async Task Tool_message_answering_no_tool_call_is_refused()
    {
        var call = ChatToolCall.CreateFunctionToolCall("call_abc", "order_status", BinaryData.FromString("""{"order_id":"1"}"""));

        var refused = await RefusedAsync(() => Chat().CompleteChatAsync(
            [new UserChatMessage("hi"), new AssistantChatMessage([call]), new ToolChatMessage("call_other", "{}")]));
        ChatCompletion accepted = await Chat().CompleteChatAsync(
            [new UserChatMessage("hi"), new AssistantChatMessage([call]), new ToolChatMessage("call_abc", "{}")]);

        Assert.Equal(400, refused.Status);
        Assert.Contains("messages with role 'tool' must be a response to a preceeding message with 'tool_calls'", refused.Message);
        Assert.NotEmpty(accepted.Content[0].Text);
    }

    [Fact]
    public async Task Tool_call_left_unanswered_is_refused()
    {
        var call = ChatToolCall.CreateFunctionToolCall("call_abc", "order_status", BinaryData.FromString("{}"));

        var refused = await RefusedAsync(() => Chat().CompleteChatAsync(
            [new UserChatMessage("hi"), new AssistantChatMessage([call]), new UserChatMessage("and?")]));
        ChatCompletion answered = await Chat().CompleteChatAsync(
            [new UserChatMessage("hi"), new AssistantChatMessage([call]), new ToolChatMessage("call_abc", "{}"), new UserChatMessage("and?")]);

        Assert.Equal(400, refused.Status);
        Assert.Contains("did not have response messages: call_abc", refused.Message);
        Assert.NotEmpty(answered.Content[0].Text);
    }

    [Fact]
    public async Task Stream_is_refused_with_a_sentence()
    {
        var refused = await Assert.ThrowsAsync<ClientResultException>(async () =>
        {
            await foreach (var _ in Chat().CompleteChatStreamingAsync([new UserChatMessage("hi")]))
            {
            }
        });
        ChatCompletion whole = await Chat().CompleteChatAsync([new UserChatMessage("hi")]);

        Assert.Equal(400, refused.Status);
        Assert.Contains("does not stream", refused.Message);
        Assert.NotEmpty(whole.Content[0].Text);
    }
}
