using System.Net;
using System.Net.Http.Json;
using OpenAI.Chat;

namespace MultichannelMessages.OpenAiSandbox.Tests;

public class RuleTests(OpenAiHost host) : IClassFixture<OpenAiHost>
{
    private async Task<string> AskAsync(string system, string user, string key = OpenAiHost.Key)
    {
        ChatCompletion completion = await host.OpenAi(key).GetChatClient("gpt-4.1-mini")
            .CompleteChatAsync([new SystemChatMessage(system), new UserChatMessage(user)]);
        return completion.Content[0].Text;
    }

    [Fact]
    public async Task Rules_scoped_to_two_markers_answer_only_their_own_requests()
    {
        var first = OpenAiHost.NewScope();
        var second = OpenAiHost.NewScope();
        await host.AddRuleAsync(new { scope = first, match = new { last_user_contains = new[] { "ping" } }, respond = new { content = "first pong" } });
        await host.AddRuleAsync(new { scope = second, match = new { last_user_contains = new[] { "ping" } }, respond = new { content = "second pong" } });

        Assert.Equal("first pong", await AskAsync($"Agent {first}", "ping"));
        Assert.Equal("second pong", await AskAsync($"Agent {second}", "ping"));
        Assert.Equal("Sandbox reply: I received \"ping\".", await AskAsync("Agent without a scope", "ping"));
    }

    [Fact]
    public async Task Rule_scoped_to_an_api_key_answers_that_key_only()
    {
        await host.AddRuleAsync(new { scope = OpenAiHost.KeyB, match = new { last_user_contains = new[] { "which key" } }, respond = new { content = "key B" } });

        Assert.Equal("key B", await AskAsync("any", "which key is this?", OpenAiHost.KeyB));
        Assert.NotEqual("key B", await AskAsync("any", "which key is this?", OpenAiHost.Key));
    }

    [Fact]
    public async Task Counted_rules_script_a_conversation_step_by_step()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddRuleAsync(new { scope, count = 1, respond = new { content = "step one" } });
        await host.AddRuleAsync(new { scope, count = 1, respond = new { content = "step two: {{last_user}}" } });

        Assert.Equal("step one", await AskAsync(scope, "a"));
        Assert.Equal("step two: b", await AskAsync(scope, "b"));
        Assert.Equal("Sandbox reply: I received \"c\".", await AskAsync(scope, "c"));
    }

    [Fact]
    public async Task Deleted_rule_no_longer_answers()
    {
        var scope = OpenAiHost.NewScope();
        var id = await host.AddRuleAsync(new { scope, respond = new { content = "ruled" } });
        Assert.Equal("ruled", await AskAsync(scope, "x"));

        using var deleted = await host.Client.DeleteAsync($"/sandbox/rules/{id}");
        using var again = await host.Client.DeleteAsync($"/sandbox/rules/{id}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("Sandbox reply: I received \"x\".", await AskAsync(scope, "x"));
    }

    [Fact]
    public async Task Regex_groups_and_model_condition_shape_the_answer()
    {
        var scope = OpenAiHost.NewScope();
        await host.AddRuleAsync(new
        {
            scope,
            match = new { model = "gpt-4.1-mini", last_user_regex = @"(?i)my name is (?<name>\w+)" },
            respond = new { content = "Nice to meet you, {{match.name}} ({{model}})." },
        });

        Assert.Equal("Nice to meet you, Ana (gpt-4.1-mini).", await AskAsync(scope, "Hi, my name is Ana"));
        ChatCompletion otherModel = await host.OpenAi().GetChatClient("gpt-4o")
            .CompleteChatAsync([new SystemChatMessage(scope), new UserChatMessage("Hi, my name is Ana")]);
        Assert.DoesNotContain("Nice to meet you", otherModel.Content[0].Text);
    }

    [Fact]
    public async Task Without_a_rule_the_answer_echoes_in_the_customer_language()
    {
        var scope = OpenAiHost.NewScope();

        Assert.Equal("Respuesta del sandbox: recibí «¿Tienen tallas grandes en la tienda?».", await AskAsync(scope, "¿Tienen tallas grandes en la tienda?"));
        Assert.Equal("Sandbox reply: I received \"Do you have large sizes in the shop?\".", await AskAsync(scope, "Do you have large sizes in the shop?"));
    }

    [Fact]
    public async Task Demo_rules_greet_and_hand_off_in_english_and_spanish()
    {
        Assert.StartsWith("¡Hola! Soy el asistente", await AskAsync("Demo agent", "Hola"));
        Assert.StartsWith("Hi! I'm the demo store's assistant.", await AskAsync("Demo agent", "Hello!"));
        Assert.Equal("I'm passing you to a person from our team; they'll reply here shortly.", await AskAsync("Demo agent", "Can I talk to a person?"));
        Assert.Equal("Te paso con una persona del equipo; te escribirá por aquí en breve.", await AskAsync("Demo agent", "Quiero un agente"));
    }

    [Fact]
    public async Task Rule_that_cannot_answer_is_refused_with_the_reason()
    {
        using var response = await host.Client.PostAsJsonAsync("/sandbox/rules", new { match = new { last_user_regex = "(" }, respond = new { } });
        var problem = await OpenAiHost.JsonAsync(response);
        using var valid = await host.Client.PostAsJsonAsync("/sandbox/rules",
            new { scope = OpenAiHost.NewScope(), match = new { last_user_regex = "(x)" }, respond = new { content = "x" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.Created, valid.StatusCode);
        Assert.Contains("not a valid regular expression", problem.GetProperty("errors").GetProperty("match.last_user_regex")[0].GetString());
        Assert.Contains("respond needs content, tool_calls or json", problem.GetProperty("errors").GetProperty("respond")[0].GetString());
    }
}
