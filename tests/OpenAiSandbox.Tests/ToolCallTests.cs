using System.Text.Json;
using OpenAI.Chat;

namespace MultichannelMessages.OpenAiSandbox.Tests;

public class ToolCallTests(OpenAiHost host) : IClassFixture<OpenAiHost>
{
    private static ChatTool OrderStatusTool => ChatTool.CreateFunctionTool("order_status", "Looks an order up", Schemas.OrderStatus, functionSchemaIsStrict: true);

    [Fact]
    public async Task Tool_call_loop_round_trips_through_the_sdk()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddRuleAsync(new
        {
            scope,
            match = new { last_user_regex = @"order (?<id>\d+)" },
            respond = new { tool_calls = new[] { new { name = "order_status", arguments = new { order_id = "{{match.id}}" } } } },
        });
        await host.AddRuleAsync(new
        {
            scope,
            match = new { after_tool = "order_status" },
            respond = new { content = "Order {{tool_result.order_id}} is {{tool_result.status}}." },
        });
        var chat = host.OpenAi().GetChatClient("gpt-4.1-mini");
        var options = new ChatCompletionOptions { Tools = { OrderStatusTool } };
        List<ChatMessage> messages = [new SystemChatMessage($"You are a support agent. {scope}"), new UserChatMessage("Where is order 12345?")];

        ChatCompletion first = await chat.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.StartsWith("call_", call.Id);
        Assert.Equal("order_status", call.FunctionName);
        Assert.Equal("12345", JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("order_id").GetString());

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, """{"order_id":"12345","status":"shipped"}"""));
        ChatCompletion second = await chat.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
        Assert.Equal("Order 12345 is shipped.", second.Content[0].Text);
        Assert.True(second.Usage.InputTokenCount > first.Usage.InputTokenCount);
    }

    [Fact]
    public async Task Demo_rules_look_an_order_up_and_answer_in_spanish()
    {
        var chat = host.OpenAi().GetChatClient("gpt-4o-mini");
        var options = new ChatCompletionOptions { Tools = { OrderStatusTool } };
        List<ChatMessage> messages = [new SystemChatMessage("Agente de la tienda demo."), new UserChatMessage("Hola, ¿dónde está mi pedido 12345?")];

        ChatCompletion lookup = await chat.CompleteChatAsync(messages, options);
        var call = Assert.Single(lookup.ToolCalls);
        Assert.Equal("""{"order_id":"12345"}""", call.FunctionArguments.ToString());

        messages.Add(new AssistantChatMessage(lookup));
        messages.Add(new ToolChatMessage(call.Id, """{"order_id":"12345","status":"en camino"}"""));
        ChatCompletion reply = await chat.CompleteChatAsync(messages, options);

        Assert.Equal("Tu pedido 12345 está en estado «en camino». ¿Te ayudo con algo más?", reply.Content[0].Text);
    }

    [Fact]
    public async Task Tool_call_rule_falls_through_when_the_request_offers_no_such_tool()
    {
        ChatCompletion reply = await host.OpenAi().GetChatClient("gpt-4o-mini")
            .CompleteChatAsync([new UserChatMessage("Where is my order 777777?")]);

        Assert.Empty(reply.ToolCalls);
        Assert.Equal("I'll look into order 777777 and write back as soon as I have news.", reply.Content[0].Text);
    }

    [Fact]
    public async Task Required_tool_choice_without_a_rule_calls_the_tool_with_arguments_valid_for_its_schema()
    {
        var options = new ChatCompletionOptions { Tools = { OrderStatusTool }, ToolChoice = ChatToolChoice.CreateRequiredChoice() };

        ChatCompletion reply = await host.OpenAi().GetChatClient("gpt-4.1-mini")
            .CompleteChatAsync([new SystemChatMessage(OpenAiHost.NewScope()), new UserChatMessage("Anything")], options);

        var call = Assert.Single(reply.ToolCalls);
        var arguments = JsonDocument.Parse(call.FunctionArguments).RootElement;
        Assert.Equal(JsonValueKind.String, arguments.GetProperty("order_id").ValueKind);
    }

    [Fact]
    public async Task Parallel_tool_calls_off_leaves_one_call_of_a_rule_that_makes_two()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddRuleAsync(new
        {
            scope,
            respond = new
            {
                tool_calls = new object[]
                {
                    new { name = "order_status", arguments = new { order_id = "1" } },
                    new { name = "order_status", arguments = new { order_id = "2" } },
                },
            },
        });
        var chat = host.OpenAi().GetChatClient("gpt-4.1-mini");
        List<ChatMessage> messages = [new SystemChatMessage(scope), new UserChatMessage("Two orders")];

        ChatCompletion parallel = await chat.CompleteChatAsync(messages, new ChatCompletionOptions { Tools = { OrderStatusTool } });
        ChatCompletion single = await chat.CompleteChatAsync(messages,
            new ChatCompletionOptions { Tools = { OrderStatusTool }, AllowParallelToolCalls = false });

        Assert.Equal(2, parallel.ToolCalls.Count);
        Assert.Single(single.ToolCalls);
    }
}
