using System.Text.Json;
using MultichannelMessages.Contracts.Bots;
using MultichannelMessages.CoreApi.Bots;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Flows the chatbot tests start from: valid, with a node of every type, so each test changes one thing.</summary>
public static class FlowSamples
{
    public const long QueueId = 3, AgentId = 7;
    public const string TemplateName = "order_update";

    public static readonly FlowRulesContext Context = new(new HashSet<long> { QueueId }, new HashSet<long> { AgentId },
        new HashSet<string> { TemplateName });

    public static FlowDefinition Rich(params string[] channels) => new("welcome",
    [
        new FlowNode("welcome", "message", Text: "Hi {{contact.name}}!", Media: new FlowMedia("image", "https://files.example.com/hi.png"), Next: "menu"),
        new FlowNode("menu", "choice", Text: "How can we help?", Style: "buttons", SaveAs: "topic", Fallback: "handoff",
            Choices: [new FlowChoice("orders", "My order", "ask_order", Keywords: ["order", "pedido"]), new FlowChoice("sales", "Buy", "route"),
                      new FlowChoice("person", "A person", "handoff")]),
        new FlowNode("ask_order", "question", Text: "Your order number?", Expect: "pattern", Pattern: "^[0-9]{6}$", SaveAs: "order",
            Next: "thanks", Fallback: "handoff"),
        new FlowNode("route", "condition", Else: "words", Conditions:
        [
            new FlowCondition("variable", "set_lead", "topic", "equals", "sales"),
            new FlowCondition("channel", "tpl", Op: "equals", Value: "whatsapp"),
            new FlowCondition("in_hours", "agent"),
        ]),
        new FlowNode("set_lead", "set_attribute", Attribute: "lead_stage", Value: "hot", Next: "agent"),
        new FlowNode("agent", "ai_agent", AgentId: AgentId),
        new FlowNode("tpl", "template", TemplateName: TemplateName, TemplateLanguage: "en", TemplateParameters: new() { ["1"] = "{{order}}" }, Next: "pause"),
        new FlowNode("pause", "wait", Seconds: 60, Next: "words"),
        new FlowNode("words", "intent", Text: "Tell me in a few words.", Fallback: "handoff",
            Intents: [new FlowIntent("buy", ["buy", "comprar"], "agent")]),
        new FlowNode("handoff", "handoff", Text: "A person will answer you shortly.", QueueId: QueueId),
        new FlowNode("thanks", "end", Text: "Thanks! Order {{order}} is on its way.", Resolve: true),
    ], channels.Length == 0 ? ["whatsapp", "messenger", "instagram"] : channels);

    /// <summary>The flow with one node changed.</summary>
    public static FlowDefinition With(this FlowDefinition flow, string id, Func<FlowNode, FlowNode> change) =>
        flow with { Nodes = [.. flow.Nodes.Select(n => n.Id == id ? change(n) : n)] };

    /// <summary>Choices for the menu that still reach every node of <see cref="Rich"/> (two or more).</summary>
    public static FlowChoice[] Choices(int count, int titleLength = 8) =>
        [.. Enumerable.Range(1, count).Select(i => new FlowChoice($"c{i}", $"{i}".PadRight(titleLength, 'x'), ((string[])["ask_order", "route", "handoff"])[(i - 1) % 3]))];
}

/// <summary>The flow document's publishing checks, without a database: each code family refused on its node and field,
/// beside the nearest accepted case.</summary>
public sealed class FlowRulesTests
{
    private static FlowProblem[] Check(FlowDefinition? flow) => FlowRules.Check(flow, FlowSamples.Context);

    private static void Has(FlowDefinition flow, string? nodeId, string? field, string code)
    {
        var problems = Check(flow);
        Assert.True(problems.Any(p => p.NodeId == nodeId && p.Field == field && p.Code == code),
            $"Expected {code} at {nodeId}.{field}; got: " + string.Join("; ", problems.Select(p => $"{p.Code} at {p.NodeId}.{p.Field}")));
    }

    private static void Clean(FlowDefinition flow)
    {
        var problems = Check(flow);
        Assert.True(problems.Length == 0, string.Join("; ", problems.Select(p => $"{p.Code} at {p.NodeId}.{p.Field}: {p.Detail}")));
    }

    [Fact]
    public void The_default_flow_and_a_flow_with_every_node_type_can_be_published()
    {
        Clean(FlowRules.Default());
        Clean(FlowSamples.Rich());
        Clean(FlowSamples.Rich("whatsapp"));
    }

    [Fact]
    public void A_node_with_four_buttons_cannot_be_published_for_WhatsApp_but_is_fine_for_Messenger_or_as_a_list()
    {
        var four = FlowSamples.Rich("whatsapp").With("menu", n => n with { Choices = FlowSamples.Choices(4) });
        Has(four, "menu", "choices", "flow_whatsapp_buttons_limit");
        Clean(four with { Channels = ["messenger", "instagram"] });
        Clean(four.With("menu", n => n with { Style = "list", ListButton = "Options" }));
        Clean(four.With("menu", n => n with { Style = "text" }));
        Clean(FlowSamples.Rich("whatsapp").With("menu", n => n with { Choices = FlowSamples.Choices(3) }));
    }

    [Fact]
    public void Titles_are_held_to_each_channels_limit()
    {
        var flow = FlowSamples.Rich();
        Has(flow.With("menu", n => n with { Choices = FlowSamples.Choices(2, 21) }), "menu", "choices[0].title", "flow_whatsapp_button_title_too_long");
        Clean(flow.With("menu", n => n with { Choices = FlowSamples.Choices(2, 20) }));

        var list = flow.With("menu", n => n with { Style = "list", ListButton = "Options", Choices = FlowSamples.Choices(2, 21) });
        // 21 characters: a WhatsApp row (24) takes it, a quick reply (20) does not.
        Clean(list with { Channels = ["whatsapp"] });
        Has(list with { Channels = ["messenger"] }, "menu", "choices[1].title", "flow_quick_reply_title_too_long");
        Has(list.With("menu", n => n with { Choices = FlowSamples.Choices(2, 25) }) with { Channels = ["whatsapp"] },
            "menu", "choices[0].title", "flow_whatsapp_list_title_too_long");
        Clean(flow.With("menu", n => n with { Style = "text", Choices = FlowSamples.Choices(2, 60) }));
    }

    [Fact]
    public void A_whatsapp_list_has_at_most_ten_rows_short_descriptions_and_a_button_text_while_quick_replies_stop_at_thirteen()
    {
        var list = FlowSamples.Rich("whatsapp").With("menu", n => n with { Style = "list", ListButton = "Options", Choices = FlowSamples.Choices(10) });
        Clean(list);
        Has(list.With("menu", n => n with { Choices = FlowSamples.Choices(11) }), "menu", "choices", "flow_whatsapp_list_limit");
        Has(list.With("menu", n => n with { ListButton = null }), "menu", "listButton", "flow_whatsapp_list_button_invalid");
        Has(list.With("menu", n => n with { ListButton = new string('x', 21) }), "menu", "listButton", "flow_whatsapp_list_button_invalid");
        Has(list.With("menu", n => n with { Choices = [n.Choices![0] with { Description = new string('d', 73) }, .. n.Choices[1..]] }),
            "menu", "choices[0].description", "flow_whatsapp_list_description_too_long");
        Clean(list.With("menu", n => n with { Choices = [n.Choices![0] with { Description = new string('d', 72) }, .. n.Choices[1..]] }));

        var quick = FlowSamples.Rich("messenger", "instagram").With("menu", n => n with { Style = "list", Choices = FlowSamples.Choices(13) });
        Clean(quick);
        var fourteen = Check(quick.With("menu", n => n with { Choices = FlowSamples.Choices(14) }));
        Assert.Single(fourteen, p => p.Code == "flow_quick_replies_limit"); // once, though two channels have the limit
    }

    public static TheoryData<string, string?, string?, string> Refusals() => new()
    {
        // Flow-wide
        { "no nodes", null, "nodes", "flow_empty" },
        { "start", null, "start", "flow_start_unknown" },
        { "channels", null, "channels[1]", "flow_channels_invalid" },
        { "expiry", null, "expiryMinutes", "flow_expiry_invalid" },
        { "steps", null, "maxStepsPerMessage", "flow_limits_invalid" },
        { "rate", null, "maxMessagesPerMinute", "flow_limits_invalid" },
        { "flow queue", null, "handoffQueueId", "flow_queue_unknown" },
        // Ids, types, links
        { "node id", "Welcome!", "id", "flow_node_id_invalid" },
        { "node twice", "thanks", "id", "flow_node_id_duplicate" },
        { "type", "pause", "type", "flow_node_type_unknown" },
        { "no next", "set_lead", "next", "flow_next_missing" },
        { "no fallback", "ask_order", "fallback", "flow_next_missing" },
        { "no else", "route", "else", "flow_next_missing" },
        { "next to nowhere", "menu", "choices[1].next", "flow_next_unknown" },
        // Node fields
        { "no text", "ask_order", "text", "flow_text_missing" },
        { "long button text", "menu", "text", "flow_text_too_long" },
        { "no choices", "menu", "choices", "flow_choices_missing" },
        { "choice id", "menu", "choices[0].id", "flow_choice_id_invalid" },
        { "choice twice", "menu", "choices[1].id", "flow_choice_id_duplicate" },
        { "expect", "ask_order", "expect", "flow_expect_invalid" },
        { "pattern", "ask_order", "pattern", "flow_pattern_invalid" },
        { "no intents", "words", "intents", "flow_intents_missing" },
        { "no keywords", "words", "intents[0].keywords", "flow_keywords_missing" },
        { "no conditions", "route", "conditions", "flow_conditions_missing" },
        { "condition op", "route", "conditions[0].op", "flow_condition_invalid" },
        { "greater than words", "route", "conditions[0].value", "flow_condition_invalid" },
        { "channel value", "route", "conditions[1].value", "flow_condition_invalid" },
        { "attribute", "set_lead", "attribute", "flow_attribute_invalid" },
        { "agent", "agent", "agentId", "flow_agent_unknown" },
        { "template name", "tpl", "templateName", "flow_template_unknown" },
        { "template language", "tpl", "templateLanguage", "flow_template_missing" },
        { "wait", "pause", "seconds", "flow_wait_invalid" },
        { "node queue", "handoff", "queueId", "flow_queue_unknown" },
        { "media", "welcome", "media.url", "flow_media_invalid" },
        { "retries", "menu", "retries", "flow_retries_invalid" },
        { "style", "menu", "style", "flow_style_invalid" },
        { "save as", "ask_order", "saveAs", "flow_save_as_invalid" },
    };

    private static FlowDefinition Broken(string name)
    {
        var flow = FlowSamples.Rich();
        return name switch
        {
            "no nodes" => flow with { Nodes = [] },
            "start" => flow with { Start = "hello" },
            "channels" => flow with { Channels = ["whatsapp", "telegram"] },
            "expiry" => flow with { ExpiryMinutes = 4 },
            "steps" => flow with { MaxStepsPerMessage = 101 },
            "rate" => flow with { MaxMessagesPerMinute = 0 },
            "flow queue" => flow with { HandoffQueueId = 99 },
            "node id" => flow with { Nodes = [.. flow.Nodes, new FlowNode("Welcome!", "end")] },
            "node twice" => flow with { Nodes = [.. flow.Nodes, new FlowNode("thanks", "end")] },
            "type" => flow.With("pause", n => n with { Type = "sleep" }),
            "no next" => flow.With("set_lead", n => n with { Next = null }),
            "no fallback" => flow.With("ask_order", n => n with { Fallback = "" }),
            "no else" => flow.With("route", n => n with { Else = null }),
            "next to nowhere" => flow.With("menu", n => n with { Choices = [n.Choices![0], n.Choices[1] with { Next = "sales" }, n.Choices[2]] }),
            "no text" => flow.With("ask_order", n => n with { Text = " " }),
            "long button text" => flow.With("menu", n => n with { Text = new string('x', 1025) }),
            "no choices" => flow.With("menu", n => n with { Choices = [] }),
            "choice id" => flow.With("menu", n => n with { Choices = [n.Choices![0] with { Id = "My order" }, .. n.Choices[1..]] }),
            "choice twice" => flow.With("menu", n => n with { Choices = [n.Choices![0], n.Choices[0]] }),
            "expect" => flow.With("ask_order", n => n with { Expect = "zip" }),
            "pattern" => flow.With("ask_order", n => n with { Pattern = "^[0-9" }),
            "no intents" => flow.With("words", n => n with { Intents = [] }),
            "no keywords" => flow.With("words", n => n with { Intents = [new FlowIntent("buy", [" "], "agent")] }),
            "no conditions" => flow.With("route", n => n with { Conditions = null }),
            "condition op" => flow.With("route", n => n with { Conditions = [n.Conditions![0] with { Op = "like" }] }),
            "greater than words" => flow.With("route", n => n with { Conditions = [n.Conditions![0] with { Op = "greater", Value = "many" }] }),
            "channel value" => flow.With("route", n => n with { Conditions = [n.Conditions![0], n.Conditions[1] with { Value = "sms" }] }),
            "attribute" => flow.With("set_lead", n => n with { Attribute = "Lead Stage" }),
            "agent" => flow.With("agent", n => n with { AgentId = 8 }),
            "template name" => flow.With("tpl", n => n with { TemplateName = "deleted_one" }),
            "template language" => flow.With("tpl", n => n with { TemplateLanguage = null }),
            "wait" => flow.With("pause", n => n with { Seconds = 86_401 }),
            "node queue" => flow.With("handoff", n => n with { QueueId = 4 }),
            "media" => flow.With("welcome", n => n with { Media = n.Media! with { Url = "http://files.example.com/hi.png" } }),
            "retries" => flow.With("menu", n => n with { Retries = 6 }),
            "style" => flow.With("menu", n => n with { Style = "carousel" }),
            "save as" => flow.With("ask_order", n => n with { SaveAs = "contact.name" }),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Each_problem_names_its_node_and_field(string name, string? nodeId, string? field, string code) => Has(Broken(name), nodeId, field, code);

    [Fact]
    public void The_nearest_accepted_cases_have_no_problems()
    {
        var flow = FlowSamples.Rich();
        Clean(flow.With("menu", n => n with { Text = new string('x', 1024) }));
        Clean(flow.With("menu", n => n with { Style = "text", Text = new string('x', 4096) }));
        Clean(flow.With("welcome", n => n with { Text = null })); // media alone
        Clean(flow.With("ask_order", n => n with { Expect = "email", Pattern = null }));
        Clean(flow.With("route", n => n with { Conditions = [n.Conditions![0] with { Op = "greater", Value = "2.5" }, n.Conditions[1], new FlowCondition("attribute", "agent", "vip", "exists")] }));
        Clean(flow.With("pause", n => n with { Seconds = 86_400 }));
        Clean(flow.With("menu", n => n with { Retries = 0 }));
        Clean(flow with { ExpiryMinutes = 10_080, MaxStepsPerMessage = 100, MaxMessagesPerMinute = 60, HandoffQueueId = FlowSamples.QueueId });
    }

    [Fact]
    public void Unreachable_nodes_and_paths_that_never_end_are_found()
    {
        var flow = FlowSamples.Rich();
        Has(flow with { Nodes = [.. flow.Nodes, new FlowNode("orphan", "end")] }, "orphan", "id", "flow_unreachable");

        // thanks → nag ⇄ ask2: both wait for the customer (no spin), but neither can ever finish.
        var endless = flow.With("ask_order", n => n with { Next = "nag", Fallback = "nag" }) with
        {
            Nodes = [.. flow.With("ask_order", n => n with { Next = "nag", Fallback = "nag" }).Nodes,
                     new FlowNode("nag", "question", Text: "Anything else?", Next: "nag2", Fallback: "nag2"),
                     new FlowNode("nag2", "question", Text: "Sure?", Next: "nag", Fallback: "nag")],
        };
        var problems = Check(endless);
        Assert.Equal(["ask_order", "nag", "nag2"], problems.Where(p => p.Code == "flow_path_never_ends").Select(p => p.NodeId!).Order());
        Assert.DoesNotContain(problems, p => p.Code == "flow_loop_without_input");
        Assert.DoesNotContain(problems, p => p.NodeId == "menu"); // it can still reach a handoff

        // A missing link is reported once, where it is, not as a never-ending path on every node before it.
        var missing = Check(flow.With("thanks", n => n with { Type = "message", Next = null }));
        Assert.Equal(["flow_next_missing"], missing.Select(p => p.Code));
    }

    [Fact]
    public void A_loop_without_a_node_that_waits_is_refused_and_the_same_loop_through_a_question_is_not()
    {
        var flow = FlowSamples.Rich();
        // set_lead → again → set_lead spins; the route out (a condition) keeps the path able to end.
        var spinning = flow.With("set_lead", n => n with { Next = "again" }) with
        {
            Nodes = [.. flow.With("set_lead", n => n with { Next = "again" }).Nodes,
                     new FlowNode("again", "condition", Conditions: [new FlowCondition("in_hours", "agent")], Else: "set_lead")],
        };
        var loop = Assert.Single(Check(spinning));
        Assert.Equal(("set_lead", "next", "flow_loop_without_input"), (loop.NodeId, loop.Field, loop.Code));
        Assert.Contains("again", loop.Detail);

        Clean(spinning.With("again", n => n with { Type = "question", Text = "Again?", Next = "set_lead", Fallback = "agent", Conditions = null, Else = null }));
        Has(flow.With("set_lead", n => n with { Next = "set_lead" }), "set_lead", "next", "flow_loop_without_input");
    }

    [Fact]
    public void Nulls_anywhere_in_the_document_are_problems_not_exceptions()
    {
        Assert.Equal("flow_empty", Assert.Single(Check(null)).Code);
        var json = """
            {"start": null, "channels": [null, "whatsapp"], "nodes": [null,
              {"id": "a", "type": "choice", "text": "?", "choices": [null, {"id": null, "title": null, "next": null, "keywords": [null]}]},
              {"id": null, "type": null},
              {"id": "b", "type": "intent", "intents": [null, {"name": null, "keywords": null, "next": null}], "fallback": "a"},
              {"id": "c", "type": "condition", "conditions": [null, {"kind": null, "next": null}]},
              {"id": "d", "type": "message", "media": {"kind": null, "url": null}, "next": "a"},
              {"id": "e", "type": "template", "templateParameters": {"1": null}, "next": "a"}]}
            """;
        var flow = JsonSerializer.Deserialize<FlowDefinition>(json, JsonSerializerOptions.Web);
        var problems = Check(flow);
        foreach (var (node, field, code) in new (string?, string?, string)[]
                 {
                     (null, "start", "flow_start_unknown"), (null, "channels[0]", "flow_channels_invalid"), (null, "nodes[0]", "flow_node_id_invalid"),
                     ("a", "choices[0]", "flow_choices_missing"), ("a", "choices[1].id", "flow_choice_id_invalid"), ("a", "choices[1].title", "flow_text_missing"),
                     ("a", "choices[1].next", "flow_next_missing"), ("a", "choices[1].keywords[0]", "flow_keywords_missing"),
                     (null, "id", "flow_node_id_invalid"), (null, "type", "flow_node_type_unknown"),
                     ("b", "intents[0]", "flow_intents_missing"), ("b", "intents[1].keywords", "flow_keywords_missing"), ("b", "intents[1].next", "flow_next_missing"),
                     ("c", "conditions[0]", "flow_conditions_missing"), ("c", "conditions[1].kind", "flow_condition_invalid"),
                     ("d", "media.kind", "flow_media_invalid"), ("d", "media.url", "flow_media_invalid"),
                     ("e", "templateName", "flow_template_missing"), ("e", "templateParameters.1", "flow_template_missing"),
                 })
            Assert.True(problems.Any(p => p.NodeId == node && p.Field == field && p.Code == code), $"{code} at {node}.{field}");

        Assert.Contains(Check(new FlowDefinition(null!, null!, null!)), p => p.Code == "flow_empty");
    }

    [Fact]
    public void More_than_200_nodes_is_one_problem_and_the_graph_is_not_walked()
    {
        var nodes = Enumerable.Range(0, 201).Select(i => new FlowNode($"n{i}", "message", Text: "x", Next: $"n{i + 1}")).ToArray();
        var problems = Check(new FlowDefinition("n0", nodes, ["whatsapp"]));
        Assert.Contains(problems, p => p.Code == "flow_too_many_nodes" && p.Field == "nodes");
        Assert.DoesNotContain(problems, p => p.Code is "flow_unreachable" or "flow_path_never_ends");
    }
}
