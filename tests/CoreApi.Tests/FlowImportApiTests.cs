using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using MultichannelMessages.Contracts.Bots;
using static MultichannelMessages.CoreApi.Tests.ProblemResponses;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>The legacy import through the Core API on a real database: flows created and published (or kept as drafts
/// with the report's problems), a second import of the same file writing nothing, a changed flow updated, legacy ids
/// per project, access and refusals. Each test imports the fixture under its own legacy ids and names.</summary>
public sealed class FlowImportApiTests(CoreHost host) : IClassFixture<CoreHost>
{
    private string Import(long projectId) => $"/projects/{projectId}/bots/import";

    /// <summary>The fixture with this test's legacy ids and names (one database for the class), optionally changed.</summary>
    private static string Export(string prefix, Action<JsonNode>? change = null, bool indented = false)
    {
        var root = JsonNode.Parse(FlowImportTests.Fixture())!;
        foreach (var flow in root["flows"]!.AsArray())
        {
            flow!["id"] = $"{prefix}-{flow["id"]}";
            flow["name"] = $"{prefix} {flow["name"]}";
        }
        change?.Invoke(root);
        return root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = indented });
    }

    private static JsonNode Flow(JsonNode root, string legacyId) => root["flows"]!.AsArray().Single(f => ((string)f!["id"]!).EndsWith(legacyId, StringComparison.Ordinal))!;

    private async Task<HttpResponseMessage> PostAsync(string body, string email = "admin@demo.local", long? projectId = null) =>
        await (await host.As(email)).PostAsync(Import(projectId ?? host.DemoProjectId), new StringContent(body, Encoding.UTF8, "application/json"));

    private async Task<FlowImportReport> ImportAsync(string body, string email = "admin@demo.local", long? projectId = null)
    {
        var response = await PostAsync(body, email, projectId);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<FlowImportReport>())!;
    }

    private static FlowImportItem Item(FlowImportReport report, string legacyId) => Assert.Single(report.Flows, f => f.LegacyId == legacyId);

    private Task<long> CountAsync(string sql, object? args = null) => host.ScalarAsync<long>(sql, args);

    private Task<long> VersionsAsync() => CountAsync("select count(*) from bot.flow_versions where project_id = @DemoProjectId", new { host.DemoProjectId });

    private Task<long> ImportCommandsAsync() =>
        CountAsync("select count(*) from ops.command_log where action = 'flow.import' and project_id = @DemoProjectId", new { host.DemoProjectId });

    [Fact]
    public async Task Import_creates_the_flows_publishes_the_clean_ones_and_reports_the_unmapped_webhook_and_the_dangling_goto()
    {
        var commands = await ImportCommandsAsync();
        var report = await ImportAsync(Export("A"));

        Assert.Equal([("A-LEG-12", "A Atención al cliente", "created", false), ("A-LEG-13", "A Newsletter signup", "created", true),
            ("A-14", "A Horarios y tiendas", "created", true)], report.Flows.Select(f => (f.LegacyId, f.Name, f.Outcome, f.Published)));
        Assert.Contains(new FlowImportNodeMap("ask-email", "ask_email"), Item(report, "A-LEG-13").NodeIds!);
        Assert.Equal([("n4", "legacy_kind_unmapped"), ("n8", "legacy_goto_unknown"), ("n5", "flow_unreachable")],
            report.Problems.Select(p => (p.LegacyNodeId!, p.Code)));
        Assert.All(report.Problems, p => Assert.Equal("A-LEG-12", p.LegacyFlowId));
        Assert.Equal(commands + 1, await ImportCommandsAsync());

        var admin = await host.As("admin@demo.local");
        var customerService = (await admin.GetFromJsonAsync<FlowDetail>($"/projects/{host.DemoProjectId}/bots/flows/{Item(report, "A-LEG-12").FlowId}"))!;
        Assert.Equal((1, (int?)null), (customerService.DraftRevision, customerService.PublishedVersion));
        Assert.Contains(customerService.Problems, p => p.Code == "flow_unreachable" && p.NodeId == "n5");
        var newsletter = (await admin.GetFromJsonAsync<FlowDetail>($"/projects/{host.DemoProjectId}/bots/flows/{Item(report, "A-LEG-13").FlowId}"))!;
        Assert.Equal((1, (int?)1), (newsletter.DraftRevision, newsletter.PublishedVersion));
        Assert.Empty(newsletter.Problems);
        Assert.Contains("\"ask_email\"", newsletter.Published, StringComparison.Ordinal);
        Assert.Equal(3, await CountAsync("select count(*) from bot.flow_legacy_ids where project_id = @DemoProjectId and legacy_id like 'A-%'",
            new { host.DemoProjectId }));
    }

    [Fact]
    public async Task The_same_file_imported_again_is_unchanged_and_writes_nothing()
    {
        var first = await ImportAsync(Export("B"));
        var (versions, commands) = (await VersionsAsync(), await ImportCommandsAsync());
        var revisions = await CountAsync("select sum(draft_revision) from bot.flows where project_id = @DemoProjectId", new { host.DemoProjectId });

        // The same flows, indented differently and with another export date, are the same content.
        var again = await ImportAsync(Export("B", root => root["exportedAt"] = "2026-12-01T08:00:00Z", indented: true));

        Assert.All(again.Flows, f => Assert.Equal("unchanged", f.Outcome));
        Assert.Equal(first.Flows.Select(f => (f.LegacyId, f.FlowId, f.Published)), again.Flows.Select(f => (f.LegacyId, f.FlowId, f.Published)));
        Assert.Equal(first.Problems, again.Problems);
        Assert.Equal((versions, commands), (await VersionsAsync(), await ImportCommandsAsync()));
        Assert.Equal(revisions, await CountAsync("select sum(draft_revision) from bot.flows where project_id = @DemoProjectId", new { host.DemoProjectId }));
    }

    [Fact]
    public async Task A_changed_flow_is_updated_as_a_new_draft_revision_and_published_as_its_next_version_while_the_others_are_unchanged()
    {
        var first = await ImportAsync(Export("C"));
        var versions = await VersionsAsync();
        var changed = await ImportAsync(Export("C", root =>
        {
            Flow(root, "LEG-13")["nodes"]![0]!["text"] = "Hi {{user.name}}! Our weekly offers, by e-mail?";
            Flow(root, "LEG-12")["nodes"]![9]!["text"] = "¡Gracias! Hasta pronto.";
        }));

        Assert.Equal([("C-LEG-12", "updated", false), ("C-LEG-13", "updated", true), ("C-14", "unchanged", true)],
            changed.Flows.Select(f => (f.LegacyId, f.Outcome, f.Published)));
        Assert.Equal(first.Flows.Select(f => f.FlowId), changed.Flows.Select(f => f.FlowId));
        Assert.Equal(versions + 1, await VersionsAsync());
        var admin = await host.As("admin@demo.local");
        var newsletter = (await admin.GetFromJsonAsync<FlowDetail>($"/projects/{host.DemoProjectId}/bots/flows/{Item(changed, "C-LEG-13").FlowId}"))!;
        Assert.Equal((2, (int?)2), (newsletter.DraftRevision, newsletter.PublishedVersion));
        Assert.Contains("Our weekly offers", newsletter.Published, StringComparison.Ordinal);
        var customerService = (await admin.GetFromJsonAsync<FlowDetail>($"/projects/{host.DemoProjectId}/bots/flows/{Item(changed, "C-LEG-12").FlowId}"))!;
        Assert.Equal((2, (int?)null), (customerService.DraftRevision, customerService.PublishedVersion));
        Assert.Contains("Hasta pronto", customerService.Draft, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_projects_import_of_the_same_legacy_ids_creates_its_own_flows()
    {
        var demo = await ImportAsync(Export("D"));
        var other = await ImportAsync(Export("D"), "outsider@other.local", host.OtherProjectId);
        Assert.All(other.Flows, f => Assert.Equal("created", f.Outcome));
        Assert.Empty(demo.Flows.Select(f => f.FlowId).Intersect(other.Flows.Select(f => f.FlowId)));
        Assert.Equal(3, await CountAsync("select count(*) from bot.flows where project_id = @OtherProjectId", new { host.OtherProjectId }));
        // The other project has no queue "General": its transfers are reported, so those flows stay drafts.
        Assert.Contains(other.Problems, p => p.Code == "legacy_queue_unmapped" && p.LegacyNodeId == "agent");
        Assert.False(Item(other, "D-LEG-13").Published);
    }

    [Fact]
    public async Task A_new_flow_whose_name_is_taken_gets_a_numbered_name()
    {
        var taken = await (await host.As("admin@demo.local")).PostAsJsonAsync($"/projects/{host.DemoProjectId}/bots/flows",
            new FlowDraftRequest("E Newsletter signup", null, null));
        Assert.Equal(HttpStatusCode.Created, taken.StatusCode);
        var report = await ImportAsync(Export("E"));
        Assert.Equal("E Newsletter signup (2)", Item(report, "E-LEG-13").Name);
    }

    [Fact]
    public async Task An_archived_flow_is_left_alone_and_reported()
    {
        var first = await ImportAsync(Export("H"));
        var flowId = Item(first, "H-LEG-13").FlowId;
        Assert.Equal(HttpStatusCode.OK, (await (await host.As("admin@demo.local")).PostAsync($"/projects/{host.DemoProjectId}/bots/flows/{flowId}/archive", null)).StatusCode);
        var again = await ImportAsync(Export("H", root => Flow(root, "LEG-13")["timeoutMinutes"] = 30));
        Assert.Equal(("unchanged", flowId), (Item(again, "H-LEG-13").Outcome, Item(again, "H-LEG-13").FlowId));
        Assert.Contains(again.Problems, p => p.LegacyFlowId == "H-LEG-13" && p.Code == "legacy_flow_archived");
        Assert.Equal(1, await CountAsync("select draft_revision from bot.flows where id = @flowId", new { flowId }));
    }

    [Theory]
    [InlineData("agent@demo.local")]
    [InlineData("supervisor@demo.local")]
    public async Task Only_who_manages_bots_imports(string email)
    {
        var before = await CountAsync("select count(*) from bot.flow_legacy_ids");
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden", (string?)null), await ProblemOf(await PostAsync(Export("F"), email)));
        Assert.Equal(before, await CountAsync("select count(*) from bot.flow_legacy_ids"));
    }

    [Fact]
    public async Task A_malformed_file_is_refused_naming_the_field_and_line_and_nothing_is_written()
    {
        var before = await CountAsync("select count(*) from bot.flow_legacy_ids");
        var truncated = Export("G")[..200];
        var response = await PostAsync(truncated);
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_json", "$"), await ProblemOf(response));
        Assert.Contains("Line 1, position", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_json", "flows[0].nodes[1].options"),
            await ProblemOf(await PostAsync(Export("G", root => Flow(root, "LEG-12")["nodes"]![1]!["options"] = "1,2,3"))));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_export", "$"), await ProblemOf(await PostAsync("[]")));
        Assert.Equal((HttpStatusCode.BadRequest, "unsupported_schema_version", "schemaVersion"),
            await ProblemOf(await PostAsync(Export("G", root => root["schemaVersion"] = 2))));
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "export_too_large", (string?)null),
            await ProblemOf(await PostAsync(Export("G", root => root["padding"] = new string(' ', 5 * 1024 * 1024)))));
        Assert.Equal(before, await CountAsync("select count(*) from bot.flow_legacy_ids"));
    }
}
