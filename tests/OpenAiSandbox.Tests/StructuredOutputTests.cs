using System.ClientModel;
using System.Text.Json;
using OpenAI.Chat;

namespace MultichannelMessages.OpenAiSandbox.Tests;

public class StructuredOutputTests(OpenAiHost host) : IClassFixture<OpenAiHost>
{
    private static ChatCompletionOptions Envelope => new()
    {
        ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("envelope", Schemas.Envelope, jsonSchemaIsStrict: true),
    };

    private async Task<JsonElement> AskAsync(string system, string user, ChatCompletionOptions options)
    {
        ChatCompletion completion = await host.OpenAi().GetChatClient("gpt-4.1-mini")
            .CompleteChatAsync([new SystemChatMessage(system), new UserChatMessage(user)], options);
        return JsonDocument.Parse(completion.Content[0].Text).RootElement;
    }

    [Fact]
    public async Task Rule_json_is_laid_over_a_valid_instance_of_the_strict_schema()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddRuleAsync(new
        {
            scope,
            match = new { last_user_contains = new[] { "refund" } },
            respond = new
            {
                json = new
                {
                    action = "handoff",
                    messages = new[] { "A colleague will handle your refund." },
                    reason = "refund",
                    confidence = 0.75,
                    not_in_the_schema = "dropped",
                    measures = new { order_id = "A-1" },
                },
            },
        });

        var envelope = await AskAsync(scope, "I want a refund", Envelope);

        Assert.Equal("handoff", envelope.GetProperty("action").GetString());
        Assert.Equal("A colleague will handle your refund.", envelope.GetProperty("messages")[0].GetString());
        Assert.Equal("refund", envelope.GetProperty("reason").GetString());
        Assert.Equal(0.75, envelope.GetProperty("confidence").GetDouble());
        Assert.False(envelope.GetProperty("urgent").GetBoolean());
        Assert.Equal("A-1", envelope.GetProperty("measures").GetProperty("order_id").GetString());
        Assert.False(envelope.TryGetProperty("not_in_the_schema", out _));
    }

    [Fact]
    public async Task Without_a_rule_the_answer_is_the_minimal_valid_instance_of_the_schema()
    {
        var envelope = await AskAsync(OpenAiHost.NewScope(), "Something no rule knows", Envelope);

        Assert.Equal("""
            {"action":"reply","messages":[],"reason":null,"confidence":0,"urgent":false,"summary":"Sandbox reply: I received \"Something no rule knows\".","measures":{"order_id":null}}
            """, envelope.GetRawText());
    }

    [Fact]
    public async Task A_rule_value_that_breaks_the_schema_is_replaced_by_a_valid_one()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddRuleAsync(new { scope, respond = new { json = new { action = "dance", confidence = "high", messages = new[] { "ok" } } } });

        var envelope = await AskAsync(scope, "hello", Envelope);

        Assert.Equal("reply", envelope.GetProperty("action").GetString());
        Assert.Equal(0, envelope.GetProperty("confidence").GetDouble());
        Assert.Equal("ok", envelope.GetProperty("messages")[0].GetString());
    }

    [Fact]
    public async Task Demo_handoff_rule_fills_the_envelope_in_spanish()
    {
        var envelope = await AskAsync("Agente de soporte.", "Quiero hablar con un humano, por favor", Envelope);

        Assert.Equal("handoff", envelope.GetProperty("action").GetString());
        Assert.Equal("customer_asked_for_person", envelope.GetProperty("reason").GetString());
        Assert.Equal("Te paso con una persona del equipo; te escribirá por aquí en breve.", envelope.GetProperty("messages")[0].GetString());
    }

    [Fact]
    public async Task Json_object_needs_the_word_json_in_the_messages()
    {
        var chat = host.OpenAi(maxRetries: 0).GetChatClient("gpt-4.1-mini");
        var options = new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat() };

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("Hello there")], options));
        ChatCompletion accepted = await chat.CompleteChatAsync([new UserChatMessage("Hello there, answer in JSON")], options);

        Assert.Equal(400, refused.Status);
        Assert.Contains("must contain the word 'json'", refused.Message);
        Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(accepted.Content[0].Text).RootElement.ValueKind);
    }

    [Fact]
    public async Task Max_completion_tokens_cuts_the_answer_with_finish_reason_length()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddRuleAsync(new { scope, respond = new { content = new string('x', 400) } });
        var chat = host.OpenAi().GetChatClient("gpt-4.1-mini");
        List<ChatMessage> messages = [new SystemChatMessage(scope), new UserChatMessage("long please")];

        ChatCompletion cut = await chat.CompleteChatAsync(messages, new ChatCompletionOptions { MaxOutputTokenCount = 10 });
        ChatCompletion whole = await chat.CompleteChatAsync(messages, new ChatCompletionOptions { MaxOutputTokenCount = 1000 });

        Assert.Equal(ChatFinishReason.Length, cut.FinishReason);
        Assert.Equal(40, cut.Content[0].Text.Length);
        Assert.Equal(10, cut.Usage.OutputTokenCount);
        Assert.Equal(ChatFinishReason.Stop, whole.FinishReason);
        Assert.Equal(400, whole.Content[0].Text.Length);
    }
}
