using System.Text.Json;
using MultichannelMessages.Contracts.Bots;
using MultichannelMessages.Platform.Bots;

namespace MultichannelMessages.Platform.Tests.Bots;

/// <summary>The flow engine, pure: every node type, answers by button, number, title and keyword, validation with
/// retries and fallback, keyword routing with accents, conditions, variables, the loop guard, and the channel shapes.</summary>
public sealed class FlowEngineTests
{
    private static readonly FlowContext Es = new("whatsapp", "Lucía", "+34600111222", new Dictionary<string, string> { ["vip"] = "true" }, true, "es");

    private static FlowDefinition Demo() => new("welcome",
    [
        new FlowNode("welcome", "message", Text: "Hola {{contact.name}}", Next: "menu"),
        new FlowNode("menu", "choice", Text: "¿En qué te ayudo?", SaveAs: "topic", Retries: 1, InvalidMessage: "Elige una opción.", Fallback: "handoff",
            Choices:
            [
                new FlowChoice("orders", "Mi pedido", "ask_order", Keywords: ["pedido", "order"]),
                new FlowChoice("sales", "Comprar", "route"),
                new FlowChoice("person", "Una persona", "handoff"),
            ]),
        new FlowNode("ask_order", "question", Text: "¿Tu número de pedido?", Expect: "pattern", Pattern: "^[0-9]{6}$", SaveAs: "order",
            Next: "thanks", Retries: 2, InvalidMessage: "Son seis dígitos.", Fallback: "handoff"),
        new FlowNode("route", "intent", Text: "¿Qué quieres comprar?", Fallback: "handoff",
            Intents: [new FlowIntent("shoes", ["zapatos", "zapatillas", "shoes"], "vip_check"), new FlowIntent("bags", ["bolso"], "thanks")]),
        new FlowNode("vip_check", "condition", Conditions: [new FlowCondition("attribute", "vip_msg", Key: "vip", Op: "equals", Value: "true")], Else: "thanks"),
        new FlowNode("vip_msg", "set_attribute", Attribute: "interest", Value: "{{topic}}-shoes", Next: "thanks"),
        new FlowNode("thanks", "end", Text: "¡Gracias! Pedido {{order}}."),
        new FlowNode("handoff", "handoff", Text: "Te paso con una persona.", QueueId: 7),
    ], ["whatsapp", "messenger"]);

    private static FlowStep Start(FlowDefinition flow, FlowInput? trigger = null) => FlowEngine.Step(flow, FlowState.Start(flow), trigger, Es);

    [Fact]
    public void A_session_runs_to_the_first_question_then_a_tapped_button_routes_it_and_is_saved()
    {
        var flow = Demo();
        var first = Start(flow, new FlowInput("hola", null));
        Assert.Equal(FlowOutcomes.Waiting, first.Outcome);
        Assert.Equal(["welcome", "menu"], first.Path);
        Assert.Equal("Hola Lucía", ((FlowSend)first.Actions[0]).Text);
        Assert.Equal(3, ((FlowSend)first.Actions[1]).Choices!.Length);
        Assert.Equal(new FlowState("menu", FlowState.Input, [], 0) with { Variables = first.State.Variables }, first.State);

        var second = FlowEngine.Step(flow, first.State, new FlowInput("Mi pedido", "orders"), Es);
        Assert.Equal(["menu", "ask_order"], second.Path);
        Assert.Equal("orders", second.State.Variables["topic"]);
        Assert.Equal("ask_order", second.State.NodeId);
    }

    [Theory]
    [InlineData("1", "ask_order")]
    [InlineData(" 2. ", "route")]
    [InlineData("3)", "handoff")]
    [InlineData("MI PEDIDO", "ask_order")]
    [InlineData("una persona", "handoff")]
    [InlineData("quiero ver mi pedído por favor", "ask_order")]   // a keyword, accents ignored
    public void A_choice_is_answered_by_number_title_or_keyword(string typed, string next)
    {
        var flow = Demo();
        var waiting = Start(flow).State;
        var step = FlowEngine.Step(flow, waiting, new FlowInput(typed, null), Es);
        Assert.Equal(next, step.Path[1]);
    }

    [Fact]
    public void An_invalid_answer_reprompts_with_the_buttons_then_the_fallback_takes_over()
    {
        var flow = Demo();
        var waiting = Start(flow).State;
        var retry = FlowEngine.Step(flow, waiting, new FlowInput("4", null), Es);
        Assert.Equal(FlowOutcomes.Waiting, retry.Outcome);
        Assert.Equal("invalid_answer", retry.Reason);
        var again = Assert.IsType<FlowSend>(Assert.Single(retry.Actions));
        Assert.Equal("Elige una opción.", again.Text);
        Assert.Equal(3, again.Choices!.Length);
        Assert.Equal(1, retry.State.Retries);

        var fallback = FlowEngine.Step(flow, retry.State, new FlowInput("nada", null), Es);
        Assert.Equal(FlowOutcomes.HandedOff, fallback.Outcome);
        Assert.Equal(["menu", "handoff"], fallback.Path);
        Assert.Equal(7, Assert.IsType<FlowHandOff>(fallback.Actions[^1]).QueueId);
        Assert.Equal("Te paso con una persona.", ((FlowSend)fallback.Actions[0]).Text);
    }

    [Fact]
    public void A_question_validates_its_answer_and_the_variable_fills_later_texts()
    {
        var flow = Demo();
        var atQuestion = FlowEngine.Step(flow, Start(flow).State, new FlowInput(null, "orders"), Es).State;
        var wrong = FlowEngine.Step(flow, atQuestion, new FlowInput("12345", null), Es);
        Assert.Equal("Son seis dígitos.", ((FlowSend)wrong.Actions[0]).Text);
        var right = FlowEngine.Step(flow, wrong.State, new FlowInput("123456", null), Es);
        Assert.Equal(FlowOutcomes.Completed, right.Outcome);
        Assert.Equal("¡Gracias! Pedido 123456.", ((FlowSend)right.Actions[0]).Text);
    }

    [Theory]
    [InlineData("email", " Ana@Example.COM ", "ana@example.com")]
    [InlineData("email", "ana@example", null)]
    [InlineData("number", "1.234,5", null)]
    [InlineData("number", "12,5", "12.5")]
    [InlineData("number", "doce", null)]
    [InlineData("date", "31/12/2026", "2026-12-31")]
    [InlineData("date", "2026-02-30", null)]
    [InlineData("phone", "+34 600 11 22 33", "+34600112233")]
    [InlineData("phone", "call me", null)]
    [InlineData("text", "  ", null)]
    [InlineData("text", "lo que sea", "lo que sea")]
    public void Answers_are_validated_by_kind(string expect, string typed, string? kept) =>
        Assert.Equal(kept, FlowEngine.Validate(expect, null, typed));

    [Fact]
    public void Intents_route_by_keywords_with_accents_and_case_ignored_and_conditions_read_attributes()
    {
        var flow = Demo();
        var atRoute = FlowEngine.Step(flow, Start(flow).State, new FlowInput(null, "sales"), Es).State;
        var shoes = FlowEngine.Step(flow, atRoute, new FlowInput("Busco ZAPATÍLLAS rojas", null), Es);
        Assert.Equal(["route", "vip_check", "vip_msg", "thanks"], shoes.Path);
        var attribute = Assert.IsType<FlowSetAttribute>(shoes.Actions[0]);
        Assert.Equal(("interest", "sales-shoes"), (attribute.Key, attribute.Value));

        var notVip = Es with { Attributes = new Dictionary<string, string>() };
        var plain = FlowEngine.Step(flow, atRoute, new FlowInput("shoes please", null), notVip);
        Assert.Equal(["route", "vip_check", "thanks"], plain.Path);
    }

    [Fact]
    public void An_intent_node_without_a_prompt_routes_the_words_that_started_the_session()
    {
        var flow = new FlowDefinition("route",
        [
            new FlowNode("route", "intent", Intents: [new FlowIntent("billing", ["factura", "invoice"], "bill")], Fallback: "other"),
            new FlowNode("bill", "end", Text: "billing"),
            new FlowNode("other", "end", Text: "other"),
        ], ["whatsapp"]);
        Assert.Equal(["route", "bill"], Start(flow, new FlowInput("Necesito mi FACTURA", null)).Path);
        var waiting = Start(flow, null);
        Assert.Equal(FlowOutcomes.Waiting, waiting.Outcome);
        Assert.Empty(waiting.Actions);
    }

    [Fact]
    public void A_loop_through_a_condition_trips_the_step_guard_and_hands_off_with_the_reason()
    {
        var flow = new FlowDefinition("a",
        [
            new FlowNode("a", "message", Text: "a", Next: "b"),
            new FlowNode("b", "condition", Conditions: [new FlowCondition("channel", "a", Op: "equals", Value: "whatsapp")], Else: "end"),
            new FlowNode("end", "end"),
        ], ["whatsapp"], MaxStepsPerMessage: 7, HandoffQueueId: 3);
        var step = Start(flow);
        Assert.Equal(FlowOutcomes.HandedOff, step.Outcome);
        Assert.Equal("guard_steps", step.Reason);
        Assert.Equal(7, step.Path.Count);
        Assert.Equal(3, Assert.IsType<FlowHandOff>(step.Actions[^1]).QueueId);
        Assert.Equal(FlowEngine.GuardMessage("es"), ((FlowSend)step.Actions[^2]).Text);

        // Positive control: on Messenger the condition is false and the flow ends normally.
        Assert.Equal(FlowOutcomes.Completed, FlowEngine.Step(flow, FlowState.Start(flow), null, Es with { Channel = "messenger" }).Outcome);
    }

    [Fact]
    public void A_wait_node_sets_a_timer_and_the_flow_goes_on_from_its_next_node()
    {
        var flow = new FlowDefinition("w",
        [
            new FlowNode("w", "wait", Seconds: 30, Next: "t"),
            new FlowNode("t", "template", TemplateName: "order_update", TemplateParameters: new() { ["1"] = "{{contact.name}}" }, Next: "ai"),
            new FlowNode("ai", "ai_agent", AgentId: 42),
        ], ["whatsapp"]);
        var timer = Start(flow);
        Assert.Equal((FlowOutcomes.Timer, 30, "t", FlowState.Timer), (timer.Outcome, timer.TimerSeconds!.Value, timer.State.NodeId, timer.State.Phase));
        var after = FlowEngine.Step(flow, timer.State, null, Es);
        var template = Assert.IsType<FlowSendTemplate>(after.Actions[0]);
        Assert.Equal(("order_update", "es", "Lucía"), (template.Name, template.Language, template.Parameters["1"]));
        Assert.Equal(42, Assert.IsType<FlowStartAi>(after.Actions[1]).AgentId);
        Assert.Equal(FlowOutcomes.AiAgent, after.Outcome);
    }

    [Fact]
    public void Expiry_sends_the_timeout_message_only_when_there_is_one()
    {
        var flow = Demo() with { TimeoutMessage = "Cerramos el chat, {{contact.name}}." };
        var state = Start(flow).State;
        Assert.Equal("Cerramos el chat, Lucía.", ((FlowSend)FlowEngine.Expire(flow, state, Es).Actions.Single()).Text);
        Assert.Empty(FlowEngine.Expire(Demo(), state, Es).Actions);
    }

    [Fact]
    public void WhatsApp_gets_reply_buttons_or_a_list_and_Messenger_quick_replies_each_within_the_channel_limits()
    {
        FlowChoice[] three = [new("a", "Uno", "x"), new("b", "Dos", "x"), new("c", "Tres", "x")];
        var buttons = FlowMessages.Build("whatsapp", new FlowSend("Elige", null, three, "buttons", null)).Single();
        Assert.Equal("interactive", buttons.Type);
        using (var doc = JsonDocument.Parse(buttons.Payload!))
        {
            var i = doc.RootElement.GetProperty("interactive");
            Assert.Equal("button", i.GetProperty("type").GetString());
            Assert.Equal(["a", "b", "c"], i.GetProperty("action").GetProperty("buttons").EnumerateArray().Select(b => b.GetProperty("reply").GetProperty("id").GetString()));
        }

        FlowChoice[] many = [.. Enumerable.Range(1, 12).Select(n => new FlowChoice("o" + n, "Una opción bastante larga " + n, "x", Description: "d"))];
        var list = FlowMessages.Build("whatsapp", new FlowSend("Elige", null, many, "list", "Ver opciones")).Single();
        using (var doc = JsonDocument.Parse(list.Payload!))
        {
            var rows = doc.RootElement.GetProperty("interactive").GetProperty("action").GetProperty("sections")[0].GetProperty("rows");
            Assert.Equal(10, rows.GetArrayLength());
            Assert.All(rows.EnumerateArray(), r => Assert.True(r.GetProperty("title").GetString()!.Length <= 24));
        }

        var quick = FlowMessages.Build("instagram", new FlowSend("Elige", null, three, "buttons", null)).Single();
        Assert.Equal("text", quick.Type);
        using (var doc = JsonDocument.Parse(quick.Payload!))
            Assert.Equal(["a", "b", "c"], doc.RootElement.GetProperty("message").GetProperty("quick_replies").EnumerateArray().Select(q => q.GetProperty("payload").GetString()));

        var numbered = FlowMessages.Build("whatsapp", new FlowSend("Elige", null, three, "text", null)).Single();
        Assert.Equal(("text", "Elige\n1. Uno\n2. Dos\n3. Tres", null), (numbered.Type, numbered.Body, numbered.Payload));
    }

    [Fact]
    public void Media_goes_first_with_the_caption_on_WhatsApp_and_as_an_attachment_then_text_on_Messenger()
    {
        var send = new FlowSend("Nuestro catálogo", new FlowMedia("image", "https://cdn.example.com/c.jpg"), null, null, null);
        var wa = Assert.Single(FlowMessages.Build("whatsapp", send));
        Assert.Equal(("image", "Nuestro catálogo"), (wa.Type, wa.Body));
        Assert.Contains("https://cdn.example.com/c.jpg", wa.Payload);
        var fb = FlowMessages.Build("messenger", send);
        Assert.Equal(["image", "text"], fb.Select(m => m.Type));
    }
}
