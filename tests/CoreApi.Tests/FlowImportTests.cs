using System.Text;
using MultichannelMessages.Contracts.Bots;
using MultichannelMessages.CoreApi.Bots;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>The legacy export as read and mapped (pure, no database): the realistic export of
/// tests/fixtures/legacy-flows, then each mapping rule beside its plainest case.</summary>
public sealed class FlowImportTests
{
    public const long GeneralQueueId = 3, SalesAgentId = 7;

    private static readonly FlowImportContext Context = new(
        new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase) { ["General"] = GeneralQueueId },
        new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase) { ["Sales assistant"] = SalesAgentId });

    private static readonly FlowRulesContext Rules = new(new HashSet<long> { GeneralQueueId }, new HashSet<long> { SalesAgentId },
        new HashSet<string> { "order_update" });

    public static byte[] Fixture(string name = "export-2026-11.json") =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "legacy-flows", name));

    private static LegacyFlowEntry[] Read(string json)
    {
        var (flows, error) = LegacyFlowExport.Read(Encoding.UTF8.GetBytes(json));
        Assert.True(error is null, error?.Detail);
        return flows!;
    }

    private static FlowImportResult MapOne(string flowJson) => FlowImport.Map(Read($$"""{"schemaVersion": 1, "flows": [{{flowJson}}]}""")[0].Flow, Context);

    /// <summary>One flow of a few nodes, on WhatsApp, starting at the first.</summary>
    private static FlowImportResult MapNodes(string nodesJson) =>
        MapOne($$"""{"id": "T1", "name": "Test", "channel": "whatsapp", "startNodeId": "a", "nodes": [{{nodesJson}}]}""");

    private static FlowNode Node(FlowImportResult result, string id) => Assert.Single(result.Definition.Nodes, n => n.Id == id);

    private static string[] Codes(FlowImportResult result) => [.. result.Problems.Select(p => p.Code)];

    private static FlowImportResult MapFixture(string legacyId)
    {
        var (flows, error) = LegacyFlowExport.Read(Fixture());
        Assert.Null(error);
        return FlowImport.Map(Assert.Single(flows!, f => f.Flow.Id == legacyId).Flow, Context);
    }

    [Fact]
    public void The_export_reads_as_its_flows_each_hashed_by_content_not_by_key_order_or_spacing()
    {
        var (flows, error) = LegacyFlowExport.Read(Fixture());
        Assert.Null(error);
        Assert.NotNull(flows);
        Assert.Equal(["LEG-12", "LEG-13", "14"], flows.Select(f => f.Flow.Id));
        Assert.All(flows, f => Assert.Matches("^[0-9a-f]{64}$", f.Sha256));
        Assert.Equal(3, flows.Select(f => f.Sha256).Distinct().Count());

        var a = Read("""{"schemaVersion": 1, "exportedAt": "2026-01-01T00:00:00Z", "flows": [{"id": "X", "nodes": [{"id": "a", "kind": "close"}]}]}""");
        var b = Read("""{"flows":[{"nodes":[{"kind":"close","id":"a"}],"id":"X"}],"schemaVersion":1,"exportedAt":"2026-12-01T00:00:00Z"}""");
        var c = Read("""{"schemaVersion": 1, "flows": [{"id": "X", "nodes": [{"id": "a", "kind": "close", "text": "Bye"}]}]}""");
        Assert.Equal(a[0].Sha256, b[0].Sha256);
        Assert.NotEqual(a[0].Sha256, c[0].Sha256);
    }

    [Theory]
    [InlineData("""{"schemaVersion": 1, "flows": [{"id": "X",}]}""", "invalid_json", "$", "Line 1, position 43 is not valid JSON")]
    [InlineData("{\n  \"schemaVersion\": 1,\n  \"flows\": [{\"id\": \"X\", \"nodes\": {\"id\": \"a\"}}]\n}", "invalid_json", "flows[0].nodes", "Line 3")]
    [InlineData("""{"schemaVersion": 1, "flows": [{"id": "X", "timeoutMinutes": "soon"}]}""", "invalid_json", "flows[0].timeoutMinutes", "Line 1")]
    [InlineData("""[]""", "invalid_export", "$", "one JSON object")]
    [InlineData("""{"schemaVersion": 2, "flows": [{"id": "X"}]}""", "unsupported_schema_version", "schemaVersion", "the file says 2")]
    [InlineData("""{"schemaVersion": 1, "flows": []}""", "invalid_export", "flows", "no flows")]
    [InlineData("""{"schemaVersion": 1, "flows": [{"id": "X"}, null]}""", "invalid_export", "flows[1]", "empty")]
    [InlineData("", "invalid_json", "$", "Line 1")]
    public void A_file_that_is_not_an_export_is_refused_naming_the_field_and_line(string json, string code, string field, string detail)
    {
        var (flows, error) = LegacyFlowExport.Read(Encoding.UTF8.GetBytes(json));
        Assert.Null(flows);
        Assert.Equal((code, field), (error!.Code, error.Field));
        Assert.Contains(detail, error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_customer_service_flow_keeps_its_node_ids_and_maps_menu_validated_input_keyword_routing_transfer_and_close()
    {
        var result = MapFixture("LEG-12");
        var d = result.Definition;
        Assert.Equal(("n1", 120), (d.Start, d.ExpiryMinutes));
        Assert.Equal(["whatsapp"], d.Channels);
        Assert.Equal("Cerramos este chat por inactividad. Escríbenos cuando quieras.", d.TimeoutMessage);
        Assert.All(result.NodeIds, m => Assert.Equal(m.LegacyNodeId, m.NodeId));

        Assert.Equal(("message", "¡Hola {{contact.name}}! Bienvenido a Calzados Rivera.", "n2"), (Node(result, "n1").Type, Node(result, "n1").Text, Node(result, "n1").Next));
        var menu = Node(result, "n2");
        Assert.Equal(("choice", "buttons", "tema", 2, "n9", "Elige una opción del menú, por favor."),
            (menu.Type, menu.Style, menu.SaveAs, menu.Retries, menu.Fallback, menu.InvalidMessage));
        Assert.Equal([("1", "Mi pedido", "n3"), ("2", "Comprar", "n6"), ("3", "Hablar con alguien", "n9")], menu.Choices!.Select(c => (c.Id, c.Title, c.Next)));
        Assert.Equal(["pedido", "order"], menu.Choices![0].Keywords!);

        var input = Node(result, "n3");
        Assert.Equal(("question", "pattern", "^[0-9]{6}$", "order_number", 1, "n9", "n4"),
            (input.Type, input.Expect, input.Pattern, input.SaveAs, input.Retries, input.Fallback, input.Next));
        Assert.Equal("Tu pedido {{order_number}} está en camino. ¡Gracias por tu paciencia!", Node(result, "n5").Text);

        var router = Node(result, "n6");
        Assert.Equal(("intent", 0, "n9"), (router.Type, router.Retries, router.Fallback));
        Assert.Equal([("zapatillas", "n7"), ("bolsos", "n8")], router.Intents!.Select(i => (i.Name, i.Next)));
        Assert.Equal(["zapatillas", "sneakers", "tenis"], router.Intents![0].Keywords);

        Assert.Equal(("handoff", GeneralQueueId), (Node(result, "n9").Type, Node(result, "n9").QueueId));
        Assert.Equal(("end", true), (Node(result, "n10").Type, Node(result, "n10").Resolve));
    }

    [Fact]
    public void The_webhook_becomes_a_handoff_and_the_dangling_goto_goes_to_one_both_reported_on_their_legacy_nodes()
    {
        var result = MapFixture("LEG-12");
        Assert.Equal([("n4", "legacy_kind_unmapped"), ("n8", "legacy_goto_unknown")], result.Problems.Select(p => (p.LegacyNodeId!, p.Code)));
        Assert.All(result.Problems, p => Assert.Equal("LEG-12", p.LegacyFlowId));
        var webhook = Node(result, "n4");
        Assert.Equal("handoff", webhook.Type);
        Assert.StartsWith("Te paso con una persona", webhook.Text, StringComparison.Ordinal);
        Assert.Equal(FlowImport.HandoffId, Node(result, "n8").Next);
        Assert.Equal("handoff", Node(result, FlowImport.HandoffId).Type);

        // The publishing checks then find what the webhook cut off: the node after it, on its legacy id.
        var check = FlowImport.Check("LEG-12", result, Rules);
        Assert.Equal([("n5", "flow_unreachable")], check.Select(p => (p.LegacyNodeId!, p.Code)));
    }

    [Fact]
    public void The_newsletter_flow_gets_sanitized_ids_mapped_in_the_report_and_is_publishable()
    {
        var result = MapFixture("LEG-13");
        Assert.Equal([("Start", "start"), ("ask-email", "ask_email"), ("save", "save"), ("check-hours", "check_hours"), ("thanks", "thanks"),
            ("thanks-later", "thanks_later"), ("agent", "agent")], result.NodeIds.Select(m => (m.LegacyNodeId, m.NodeId)));
        var d = result.Definition;
        Assert.Equal("start", d.Start);
        Assert.Equal(["whatsapp", "messenger", "instagram"], d.Channels);
        Assert.Equal(("email", "ask_email", "agent", "save"), (Node(result, "ask_email").Expect, Node(result, "start").Next,
            Node(result, "ask_email").Fallback, Node(result, "ask_email").Next));
        Assert.Equal(("set_attribute", "newsletter_email", "{{email}}"), (Node(result, "save").Type, Node(result, "save").Attribute, Node(result, "save").Value));
        var condition = Node(result, "check_hours");
        Assert.Equal(("in_hours", "thanks", "thanks_later"), (condition.Conditions![0].Kind, condition.Conditions[0].Next, condition.Else));
        Assert.Empty(result.Problems);
        Assert.Empty(FlowImport.Check("LEG-13", result, Rules));
    }

    [Fact]
    public void The_stores_flow_with_five_options_on_WhatsApp_and_Facebook_is_a_list_and_its_last_words_are_ends()
    {
        var result = MapFixture("14");
        var menu = Node(result, "menu");
        Assert.Equal(("list", "Ver tiendas", "otra"), (menu.Style, menu.ListButton, menu.Fallback));
        Assert.Equal(["mad", "bcn", "val", "sev", "otra"], menu.Choices!.Select(c => c.Id));
        Assert.Equal("Calle Mayor 12", menu.Choices![0].Description);
        Assert.Equal(["whatsapp", "messenger"], result.Definition.Channels);
        Assert.Equal(("end", "Madrid Centro: de lunes a sábado, de 10:00 a 21:00."), (Node(result, "mad").Type, Node(result, "mad").Text));
        Assert.Equal(("wait", 2, "otra_fin"), (Node(result, "otra").Type, Node(result, "otra").Seconds, Node(result, "otra").Next));
        Assert.Null(Node(result, "otra_fin").QueueId);
        Assert.Empty(result.Problems);
        Assert.Empty(FlowImport.Check("14", result, Rules));
    }

    [Theory]
    [InlineData("n1", "n1")]
    [InlineData("Ask Email!", "ask_email_")]
    [InlineData("paso-3.b", "paso_3_b")]
    [InlineData("", "node")]
    [InlineData("ñandú", "_and_")]
    public void A_legacy_id_that_is_no_node_id_is_sanitized_the_same_way_every_time(string legacy, string expected) =>
        Assert.Equal(expected, FlowImport.Sanitize(legacy));

    [Fact]
    public void A_taken_or_repeated_id_gets_a_suffix_within_forty_characters_and_gotos_go_to_the_first()
    {
        var taken = new HashSet<string>();
        var long40 = new string('a', 40);
        Assert.Equal([long40, new string('a', 38) + "_2", new string('a', 38) + "_3"],
            new[] { long40, long40, long40 }.Select(id => FlowImport.Unique(id, taken)));

        var result = MapNodes("""
            {"id": "a", "kind": "text", "text": "One", "goto": "A"},
            {"id": "A", "kind": "text", "text": "Two", "goto": "a"},
            {"id": "a", "kind": "close"}
            """);
        Assert.Equal([("a", "a"), ("A", "a_2"), ("a", "a_3")], result.NodeIds.Select(m => (m.LegacyNodeId, m.NodeId)));
        Assert.Equal(("a_2", "a"), (Node(result, "a").Next, Node(result, "a_2").Next));
        Assert.Equal(["legacy_node_id_duplicate"], Codes(result));
    }

    [Theory]
    [InlineData("payment")]
    [InlineData("javascript")]
    [InlineData("carousel")]
    public void A_kind_without_equivalent_is_a_handoff_telling_the_customer_and_reported(string kind)
    {
        var result = MapNodes($$"""{"id": "a", "kind": "{{kind}}", "goto": "b"}, {"id": "b", "kind": "close"}""");
        Assert.Equal(("handoff", "Let me pass you to a person from our team: they will answer you here shortly."), (Node(result, "a").Type, Node(result, "a").Text));
        var problem = Assert.Single(result.Problems);
        Assert.Equal(("a", "legacy_kind_unmapped"), (problem.LegacyNodeId, problem.Code));
        Assert.Contains(kind, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ai_step_naming_a_published_agent_hands_to_it_and_one_naming_none_is_a_reported_handoff()
    {
        var known = MapNodes("""{"id": "a", "kind": "ai", "assistant": "sales ASSISTANT"}""");
        Assert.Equal(("ai_agent", SalesAgentId), (Node(known, "a").Type, Node(known, "a").AgentId));
        Assert.Empty(known.Problems);
        var unknown = MapNodes("""{"id": "a", "kind": "ai", "assistant": "GPT helper"}""");
        Assert.Equal("handoff", Node(unknown, "a").Type);
        Assert.Equal(["legacy_ai_unmapped"], Codes(unknown));
    }

    [Theory]
    [InlineData("number", "number", null)]
    [InlineData("integer", "number", null)]
    [InlineData("email", "email", null)]
    [InlineData("phone", "phone", null)]
    [InlineData("date", "date", null)]
    [InlineData("regex:^[A-Z]{3}$", "pattern", "^[A-Z]{3}$")]
    [InlineData(null, "text", null)]
    public void An_input_validation_becomes_what_the_question_expects(string? validation, string expect, string? pattern)
    {
        var v = validation is null ? "" : $"\"validation\": \"{validation}\",";
        var result = MapNodes($$"""{"id": "a", "kind": "input", "text": "?", {{v}} "goto": "b"}, {"id": "b", "kind": "close"}""");
        Assert.Equal((expect, pattern), (Node(result, "a").Expect, Node(result, "a").Pattern));
        Assert.Empty(result.Problems);
    }

    [Fact]
    public void An_unknown_validation_accepts_any_text_and_is_reported_and_attempts_beyond_six_are_clamped()
    {
        var result = MapNodes("""{"id": "a", "kind": "input", "text": "¿DNI?", "validation": "dni", "maxAttempts": 10, "goto": "b"}, {"id": "b", "kind": "close"}""");
        Assert.Equal(("text", 5), (Node(result, "a").Expect, Node(result, "a").Retries));
        Assert.Equal(["legacy_validation_unmapped", "legacy_value_clamped"], Codes(result));
        Assert.Equal(FlowImport.HandoffId, Node(result, "a").Fallback);
    }

    [Fact]
    public void Condition_rules_map_variables_attributes_channels_and_hours_and_an_unknown_operator_is_left_out_and_reported()
    {
        var result = MapNodes("""
            {"id": "a", "kind": "set_var", "scope": "contact", "variable": "Segment", "value": "vip", "goto": "c"},
            {"id": "c", "kind": "condition", "rules": [
                {"variable": "segment", "operator": "==", "value": "vip", "goto": "z"},
                {"contactField": "city", "operator": "contains", "value": "Madrid", "goto": "z"},
                {"channel": "facebook", "goto": "z"},
                {"businessHours": false, "goto": "z"},
                {"variable": "total", "operator": ">", "value": 100, "goto": "z"},
                {"variable": "total", "operator": ">=", "value": 100, "goto": "z"},
                {"variable": "total", "operator": "==", "value": 5}
              ], "else": "z"},
            {"id": "z", "kind": "close"}
            """);
        var conditions = Node(result, "c").Conditions!;
        Assert.Equal([("attribute", "segment", "equals", "vip", "z"), ("attribute", "city", "contains", "Madrid", "z"),
            ("channel", null, "equals", "messenger", "z"), ("out_of_hours", null, null, null, "z"), ("variable", "total", "greater", "100", "z"),
            ("variable", "total", "equals", "5", FlowImport.HandoffId)],
            conditions.Select(c => (c.Kind, c.Key, c.Op, c.Value, c.Next)));
        Assert.Equal(["legacy_condition_unmapped", "legacy_goto_missing"], Codes(result));
    }

    [Fact]
    public void Placeholders_are_rewritten_and_an_unknown_one_is_kept_and_reported()
    {
        var result = MapNodes("""
            {"id": "a", "kind": "input", "text": "Hi {{ user.name }}, your e-mail?", "validation": "email", "variable": "Mail", "goto": "b"},
            {"id": "b", "kind": "set_var", "variable": "lead", "value": "{{mail}}", "goto": "c"},
            {"id": "c", "kind": "text", "text": "{{mail}} / {{lead}} / {{user.phone}} / {{contact.city}} / {{cart.total}}"}
            """);
        Assert.Equal("Hi {{contact.name}}, your e-mail?", Node(result, "a").Text);
        Assert.Equal(("mail", "lead", "{{mail}}"), (Node(result, "a").SaveAs, Node(result, "b").Attribute, Node(result, "b").Value));
        Assert.Equal("{{mail}} / {{attr.lead}} / {{contact.phone}} / {{attr.city}} / {{cart.total}}", Node(result, "c").Text);
        Assert.Equal([("b", "legacy_set_var_session"), ("c", "legacy_variable_unknown")], result.Problems.Select(p => (p.LegacyNodeId!, p.Code)));
    }

    [Fact]
    public void Menus_are_buttons_where_every_channel_shows_them_else_a_WhatsApp_list_else_a_numbered_text_menu()
    {
        static string StyleOf(string channel, int options, int titleLength)
        {
            var list = string.Join(",", Enumerable.Range(1, options).Select(i => $$"""{"key": {{i}}, "label": "{{new string('x', titleLength)}}", "goto": "z"}"""));
            var result = MapOne($$"""{"id": "S", "channel": "{{channel}}", "startNodeId": "m", "nodes": [{"id": "m", "kind": "menu", "text": "?", "options": [{{list}}]}, {"id": "z", "kind": "close"}]}""");
            return Node(result, "m").Style!;
        }
        Assert.Equal("buttons", StyleOf("whatsapp", 3, 20));
        Assert.Equal("list", StyleOf("whatsapp", 4, 20));
        Assert.Equal("list", StyleOf("whatsapp", 3, 24));
        Assert.Equal("text", StyleOf("whatsapp", 11, 10));
        Assert.Equal("text", StyleOf("whatsapp", 3, 25));
        Assert.Equal("buttons", StyleOf("instagram", 13, 20));
        Assert.Equal("text", StyleOf("instagram", 14, 10));
        Assert.Equal("text", StyleOf("all", 3, 21));
    }

    [Fact]
    public void A_missing_goto_ends_a_missing_start_starts_at_the_first_node_and_a_branch_without_goto_goes_to_a_person()
    {
        var result = MapOne("""
            {"id": "M", "channel": "telegram", "nodes": [
              {"id": "a", "kind": "menu", "text": "?", "options": [{"key": "x", "label": "X"}]},
              {"id": "b", "kind": "delay", "seconds": 5},
              {"id": "c", "kind": "transfer", "queue": "Ventas"}
            ]}
            """);
        var d = result.Definition;
        Assert.Equal(("a", FlowImport.HandoffId, FlowImport.EndId), (d.Start, Node(result, "a").Choices![0].Next, Node(result, "b").Next));
        Assert.Equal(("end", "handoff"), (Node(result, FlowImport.EndId).Type, Node(result, FlowImport.HandoffId).Type));
        Assert.Empty(d.Channels);
        Assert.Equal(["legacy_channel_unmapped", "legacy_start_unknown", "legacy_goto_missing", "legacy_queue_unmapped"], Codes(result));
    }

    [Fact]
    public void A_legacy_node_called_import_handoff_keeps_its_id_and_the_generated_one_takes_a_suffix()
    {
        var result = MapNodes("""{"id": "a", "kind": "text", "text": "Hi", "goto": "nowhere"}, {"id": "import_handoff", "kind": "close"}""");
        Assert.Equal("import_handoff_2", Node(result, "a").Next);
        Assert.Equal("end", Node(result, "import_handoff").Type);
    }

    [Fact]
    public void Nodes_are_laid_out_in_rows_by_depth_from_the_start_with_unreached_ones_below()
    {
        var result = MapNodes("""
            {"id": "a", "kind": "menu", "text": "?", "options": [{"key": "1", "label": "B", "goto": "b"}, {"key": "2", "label": "C", "goto": "c"}], "onInvalid": "c"},
            {"id": "b", "kind": "text", "text": "B", "goto": "d"},
            {"id": "c", "kind": "close"},
            {"id": "d", "kind": "close"},
            {"id": "lost", "kind": "close"}
            """);
        Assert.Equal([("a", 40.0, 40.0), ("b", 40.0, 240.0), ("c", 320.0, 240.0), ("d", 40.0, 440.0), ("lost", 40.0, 640.0)],
            result.Definition.Nodes.Select(n => (n.Id, n.X, n.Y)));
    }

    [Fact]
    public void The_same_flow_maps_to_the_same_document_every_time() =>
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(MapFixture("LEG-12").Definition),
            System.Text.Json.JsonSerializer.Serialize(MapFixture("LEG-12").Definition));
}
