using System.ClientModel;
using System.Diagnostics;
using System.Text.Json;
using OpenAI.Chat;

namespace MultichannelMessages.OpenAiSandbox.Tests;

/// <summary>Faults are scoped to each test's marker, so these run beside every other test. The SDK's default policy
/// (measured on OpenAI 2.15.0 / System.ClientModel 1.16.0) retries 408, 429, 500, 502, 503 and 504 three times; it
/// waits what a Retry-After header says in seconds (retry-after-ms is not read), and without one it retries at once:
/// its default instance has no back-off.</summary>
public class FaultTests(OpenAiHost host) : IClassFixture<OpenAiHost>
{
    private static List<ChatMessage> Conversation(string scope, string text = "hello") => [new SystemChatMessage(scope), new UserChatMessage(text)];

    private async Task<int[]> StatusesAsync(string scope) =>
        [.. (await host.RequestsAsync(scope)).EnumerateArray().Reverse().Select(r => r.GetProperty("status").GetInt32())];

    [Fact]
    public async Task Rate_limit_answers_429_with_retry_after_headers_then_the_next_call_succeeds()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddFaultAsync(new { kind = "status", status = 429, count = 1, retry_after_ms = 1500, scope });
        var chat = host.OpenAi(maxRetries: 0).GetChatClient("gpt-4.1-mini");

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync(Conversation(scope)));
        ChatCompletion after = await chat.CompleteChatAsync(Conversation(scope));

        Assert.Equal(429, refused.Status);
        var response = refused.GetRawResponse()!;
        Assert.True(response.Headers.TryGetValue("retry-after", out var seconds));
        Assert.Equal("2", seconds);
        Assert.True(response.Headers.TryGetValue("retry-after-ms", out var milliseconds));
        Assert.Equal("1500", milliseconds);
        var error = JsonDocument.Parse(response.Content).RootElement.GetProperty("error");
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("requests", error.GetProperty("type").GetString());
        Assert.NotEmpty(after.Content[0].Text);
    }

    [Fact]
    public async Task Default_sdk_policy_waits_retry_after_seconds_and_rides_over_two_429s()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddFaultAsync(new { kind = "status", status = 429, count = 2, retry_after_ms = 1000, scope });
        var clock = Stopwatch.StartNew();

        ChatCompletion completion = await host.OpenAi().GetChatClient("gpt-4.1-mini").CompleteChatAsync(Conversation(scope));

        Assert.NotEmpty(completion.Content[0].Text);
        Assert.Equal(new[] { 429, 429, 200 }, await StatusesAsync(scope));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"two retry-after: 1 waits took {clock.Elapsed}");
    }

    [Fact]
    public async Task Default_sdk_policy_gives_up_after_four_attempts()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddFaultAsync(new { kind = "status", status = 429, count = 5, retry_after_ms = 0, scope });

        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            host.OpenAi().GetChatClient("gpt-4.1-mini").CompleteChatAsync(Conversation(scope)));

        Assert.Equal(429, refused.Status);
        Assert.Equal(new[] { 429, 429, 429, 429 }, await StatusesAsync(scope));
    }

    [Fact]
    public async Task Default_sdk_policy_retries_a_500_without_back_off()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddFaultAsync(new { kind = "status", status = 500, count = 3, scope });
        var clock = Stopwatch.StartNew();

        ChatCompletion completion = await host.OpenAi().GetChatClient("gpt-4.1-mini").CompleteChatAsync(Conversation(scope));

        Assert.NotEmpty(completion.Content[0].Text);
        Assert.Equal(new[] { 500, 500, 500, 200 }, await StatusesAsync(scope));
        // An exponential back-off from 0.8 s would take 5.6 s.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"three retries took {clock.Elapsed}");
    }

    [Fact]
    public async Task Insufficient_quota_is_a_429_of_its_own_kind()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddFaultAsync(new { kind = "status", status = 429, code = "insufficient_quota", count = 1, scope });

        var chat = host.OpenAi(maxRetries: 0).GetChatClient("gpt-4.1-mini");

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync(Conversation(scope)));
        ChatCompletion after = await chat.CompleteChatAsync(Conversation(scope));

        Assert.Equal(429, refused.Status);
        Assert.Contains("insufficient_quota", refused.Message);
        Assert.NotEmpty(after.Content[0].Text);
    }

    [Theory]
    [InlineData(500, "The server had an error")]
    [InlineData(503, "overloaded")]
    public async Task Server_errors_answer_openai_server_error_envelope(int status, string words)
    {
        var scope = OpenAiHost.NewScope();
        await host.AddFaultAsync(new { kind = "status", status, count = 1, scope, endpoint = "chat" });
        var chat = host.OpenAi(maxRetries: 0).GetChatClient("gpt-4.1-mini");

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync(Conversation(scope)));
        ChatCompletion after = await chat.CompleteChatAsync(Conversation(scope));

        Assert.Equal(status, refused.Status);
        Assert.Contains(words, refused.Message);
        Assert.NotEmpty(after.Content[0].Text);
    }

    [Fact]
    public async Task Timeout_holds_the_request_past_the_client_timeout()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddFaultAsync(new { kind = "timeout", delay_ms = 3_000, count = 1, scope });
        var chat = host.OpenAi(maxRetries: 0, networkTimeout: TimeSpan.FromMilliseconds(300)).GetChatClient("gpt-4.1-mini");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => chat.CompleteChatAsync(Conversation(scope)));
        ChatCompletion after = await chat.CompleteChatAsync(Conversation(scope));

        Assert.NotEmpty(after.Content[0].Text);
    }

    [Fact]
    public async Task Malformed_json_schema_answer_does_not_parse_then_the_next_one_does()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddFaultAsync(new { kind = "malformed", endpoint = "chat", count = 1, scope });
        var chat = host.OpenAi().GetChatClient("gpt-4.1-mini");
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("envelope", Schemas.Envelope, jsonSchemaIsStrict: true),
        };

        ChatCompletion broken = await chat.CompleteChatAsync(Conversation(scope), options);
        ChatCompletion repaired = await chat.CompleteChatAsync(Conversation(scope), options);

        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(broken.Content[0].Text));
        Assert.Equal("reply", JsonDocument.Parse(repaired.Content[0].Text).RootElement.GetProperty("action").GetString());
    }

    [Fact]
    public async Task Malformed_tool_arguments_break_the_tool_schema()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddFaultAsync(new { kind = "malformed", count = 1, scope });
        var chat = host.OpenAi().GetChatClient("gpt-4.1-mini");
        var options = new ChatCompletionOptions
        {
            Tools = { ChatTool.CreateFunctionTool("order_status", "Looks up", Schemas.OrderStatus, functionSchemaIsStrict: true) },
            ToolChoice = ChatToolChoice.CreateRequiredChoice(),
        };

        ChatCompletion broken = await chat.CompleteChatAsync(Conversation(scope), options);
        ChatCompletion valid = await chat.CompleteChatAsync(Conversation(scope), options);

        var brokenArguments = JsonDocument.Parse(broken.ToolCalls[0].FunctionArguments).RootElement;
        Assert.False(brokenArguments.TryGetProperty("order_id", out _));
        Assert.True(brokenArguments.TryGetProperty("sandbox_malformed", out _));
        Assert.True(JsonDocument.Parse(valid.ToolCalls[0].FunctionArguments).RootElement.TryGetProperty("order_id", out _));
    }

    [Fact]
    public async Task Malformed_fault_leaves_plain_text_answers_alone_and_keeps_its_count()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddFaultAsync(new { kind = "malformed", count = 1, scope });
        var chat = host.OpenAi().GetChatClient("gpt-4.1-mini");

        ChatCompletion text = await chat.CompleteChatAsync(Conversation(scope, "hello"));
        ChatCompletion json = await chat.CompleteChatAsync(Conversation(scope, "hello"),
            new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("envelope", Schemas.Envelope, jsonSchemaIsStrict: true) });

        Assert.StartsWith("Hi! I'm the demo store's assistant.", text.Content[0].Text);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(json.Content[0].Text));
    }

    [Fact]
    public async Task Fault_on_embeddings_leaves_chat_alone()
    {
        await host.AddFaultAsync(new { kind = "status", status = 500, endpoint = "embeddings", scope = OpenAiHost.KeyA, count = 1 });
        var client = host.OpenAi(OpenAiHost.KeyA, maxRetries: 0);

        ChatCompletion chat = await client.GetChatClient("gpt-4.1-mini").CompleteChatAsync([new UserChatMessage("hi")]);
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => client.GetEmbeddingClient("text-embedding-3-small").GenerateEmbeddingAsync("x"));

        Assert.NotEmpty(chat.Content[0].Text);
        Assert.Equal(500, refused.Status);
    }
}
