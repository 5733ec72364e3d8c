using MultichannelMessages.Platform.Text;
using System.Text.Json.Nodes;
using MultichannelMessages.Contracts.Ai;
using MultichannelMessages.Worker.Ai;

namespace MultichannelMessages.Worker.Tests.Ai;

/// <summary>The strict envelope, built per agent and checked again on the way back (a compatible endpoint may not
/// enforce the schema), and the pure rules around it: keywords, the bot-or-person choice, tool arguments.</summary>
public sealed class AgentEnvelopeTests
{
    private static readonly AgentDefinition Agent = new(
        new AgentPersona("Ana", "Help with orders.", "friendly", ["en", "es"]),
        [new AgentMeasure("order_number", "string", "The order number", null), new AgentMeasure("intent", "enum", "Why they write", ["order_status", "refund", "other"], true),
         new AgentMeasure("items", "number", "How many items", null)],
        new AgentTools(["search_manual"], []),
        new AgentHandoff(null, [new HandoffRule("asks_for_person", "A person will continue.")]));

    private static Envelope? Parse(string json, out string? problem) => AgentEnvelope.Parse(json, Agent, [7, 9], out problem);

    [Fact]
    public void The_schema_is_strict_and_lists_the_agents_measures()
    {
        var schema = JsonNode.Parse(AgentEnvelope.Schema(Agent))!.AsObject();
        Assert.False(schema["additionalProperties"]!.GetValue<bool>());
        var measures = schema["properties"]!["measures"]!.AsObject();
        Assert.False(measures["additionalProperties"]!.GetValue<bool>());
        Assert.Equal(["order_number", "intent", "items"], measures["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(4, measures["properties"]!["intent"]!["enum"]!.AsArray().Count); // the values and null
    }

    [Fact]
    public void A_valid_envelope_is_read_with_its_measures_and_only_offered_citations()
    {
        var e = Parse("""{"action":"reply","messages":["Your order ships today."],"handoff_reason":null,"confidence":0.9,"measures":{"order_number":"12345","intent":"order_status","items":2},"citations":[7,8]}""",
            out var problem);
        Assert.Null(problem);
        Assert.NotNull(e);
        Assert.Equal("reply", e.Action);
        Assert.Equal("12345", e.Measures["order_number"]);
        Assert.Equal("2", e.Measures["items"]);
        Assert.Equal([7L], e.Citations); // 8 was never given to the model
        Assert.Null(e.HandoffReason);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{"action":"dance","messages":[],"handoff_reason":null,"confidence":1,"measures":{},"citations":[]}""", "action must be")]
    [InlineData("""{"action":"reply","messages":[],"handoff_reason":null,"confidence":1,"measures":{},"citations":[]}""", "needs at least one message")]
    [InlineData("""{"action":"reply","messages":["x"],"handoff_reason":null,"confidence":7,"measures":{},"citations":[]}""", "confidence")]
    [InlineData("""{"action":"reply","messages":["x"],"handoff_reason":null,"confidence":1,"measures":{"salary":"1"},"citations":[]}""", "measures.salary")]
    [InlineData("""{"action":"reply","messages":["x"],"handoff_reason":null,"confidence":1,"measures":{"intent":"gossip"},"citations":[]}""", "measures.intent")]
    [InlineData("""{"action":"reply","messages":["x"],"handoff_reason":null,"confidence":1,"measures":{"items":"two"},"citations":[]}""", "measures.items")]
    public void An_invalid_envelope_names_its_problem(string json, string expected)
    {
        Assert.Null(Parse(json, out var problem));
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void A_handoff_without_a_reason_is_other_and_a_reply_carries_no_reason()
    {
        Assert.Equal("other", Parse("""{"action":"handoff","messages":[],"handoff_reason":null,"confidence":0.2,"measures":{},"citations":[]}""", out _)!.HandoffReason);
        Assert.Null(Parse("""{"action":"reply","messages":["ok"],"handoff_reason":"frustration","confidence":0.8,"measures":{},"citations":[]}""", out _)!.HandoffReason);
    }

    [Theory]
    [InlineData("quiero hablar con un HUMANO ya", true)]
    [InlineData("Quiero hablar con un humáno", true)] // accents ignored
    [InlineData("humanoide", false)] // whole words only
    [InlineData("hola", false)]
    public void Keywords_match_whole_words_ignoring_case_and_accents(string text, bool expected) =>
        Assert.Equal(expected, Keywords.Any(["humano", "agente"], text));

    [Theory]
    [InlineData("2", "person")]
    [InlineData("Prefiero una persona", "person")]
    [InlineData("1", "bot")]
    [InlineData("sigo contigo", "bot")]
    [InlineData("¿qué?", null)]
    public void The_bot_or_person_choice_is_read_from_the_answer(string answer, string? expected) =>
        Assert.Equal(expected, AgentRunner.ChoiceOf(answer));

    [Fact]
    public void Tool_arguments_are_checked_against_the_tools_schema()
    {
        const string schema = """{"type":"object","additionalProperties":false,"required":["order"],"properties":{"order":{"type":"string"},"notify":{"type":["boolean","null"]}}}""";
        Assert.Null(AgentToolbox.SchemaProblem(schema, JsonNode.Parse("""{"order":"12345","notify":null}""")!.AsObject()));
        Assert.Contains("order is required", AgentToolbox.SchemaProblem(schema, JsonNode.Parse("""{"notify":true}""")!.AsObject()));
        Assert.Contains("customer_id is not a parameter", AgentToolbox.SchemaProblem(schema, JsonNode.Parse("""{"order":"1","customer_id":"42"}""")!.AsObject()));
        Assert.Contains("order must be string", AgentToolbox.SchemaProblem(schema, JsonNode.Parse("""{"order":12345}""")!.AsObject()));
    }

    [Fact]
    public void Url_placeholders_are_escaped_as_one_segment()
    {
        var url = AgentToolbox.FillUrl("https://shop.example/orders/{order}", JsonNode.Parse("""{"order":"12/../../admin?x=1","page":2}""")!.AsObject(), out var used);
        Assert.Equal("https://shop.example/orders/12%2F..%2F..%2Fadmin%3Fx%3D1", url);
        Assert.Equal(["order"], used);
    }
}
