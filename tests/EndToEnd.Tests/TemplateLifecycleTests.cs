using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace MultichannelMessages.EndToEnd.Tests;

/// <summary>
/// A template's whole life through the real services and the sandbox: created in the Core API, submitted by the
/// Worker, reviewed by the sandbox (approved, or rejected by its name rule), the review's signed webhook ingested and
/// pushed to consoles, sent in a conversation through the outbox, then paused at Meta and refused.
/// </summary>
public sealed class TemplateLifecycleTests(PlatformProcesses platform) : IClassFixture<PlatformProcesses>
{
    private sealed record Change(long Id, string Kind, long? ConversationId, long? MessageId, string? MessageStatus,
        string? MessageDirection, string? MessageBody, JsonElement? Details);

    private Task<Change> NextAsync(ChannelReader<Change> changes, Func<Change, bool> match, string what) =>
        Calls.NextAsync(changes, match, what, platform.Diagnostics);

    private static bool TemplateIs(Change c, long id, string status) =>
        c.Kind == "template_changed" && c.Details is { } d && d.GetProperty("templateId").GetInt64() == id && d.GetProperty("status").GetString() == status;

    private object Template(string name) => new
    {
        accountId = 1, // the demo's first WhatsApp number (1122334455667)
        name,
        language = "es",
        category = "UTILITY",
        body = new { text = "Hola {{1}}, tu pedido {{2}} ya salió.", examples = new Dictionary<string, string> { ["1"] = "Ana", ["2"] = "4411" } },
        footer = "Tienda demo",
        variableSources = new Dictionary<string, string> { ["1"] = "contact.first_name", ["2"] = "last_order" },
    };

    [Fact]
    public async Task A_template_is_submitted_reviewed_sent_and_paused_through_the_sandbox()
    {
        var (supervisor, token) = await platform.SignInAsync("supervisor@demo.local");
        await using var console = await platform.ConsoleAsync(token);
        var changes = Channel.CreateUnbounded<Change>();
        console.On<Change>("change", c => changes.Writer.TryWrite(c));
        await console.InvokeAsync<long>("JoinProject", platform.ProjectId);
        using var sandbox = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress };
        var suffix = Guid.NewGuid().ToString("N")[..6];

        // 1. Created, submitted by the Worker, approved by the sandbox's review; its webhook reaches every console.
        var created = await supervisor.PostAsJsonAsync($"/projects/{platform.ProjectId}/templates", Template("pedido_enviado_" + suffix));
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await NextAsync(changes, c => TemplateIs(c, id, "APPROVED"), "template approved");
        var template = await supervisor.GetFromJsonAsync<JsonElement>($"/projects/{platform.ProjectId}/templates/{id}");
        var metaId = template.GetProperty("metaTemplateId").GetString()!;
        Assert.Equal("APPROVED", (await sandbox.GetFromJsonAsync<JsonElement>("/sandbox/templates")).EnumerateArray()
            .Single(t => t.GetProperty("id").GetString() == metaId).GetProperty("status").GetString());

        // 2. The sandbox's review rejects names asking for it, with Meta's reason.
        var rejected = await supervisor.PostAsJsonAsync($"/projects/{platform.ProjectId}/templates", Template("please_reject_" + suffix));
        var rejectedId = (await rejected.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await NextAsync(changes, c => TemplateIs(c, rejectedId, "REJECTED"), "template rejected");
        Assert.Equal("INVALID_FORMAT", (await supervisor.GetFromJsonAsync<JsonElement>($"/projects/{platform.ProjectId}/templates/{rejectedId}"))
            .GetProperty("rejectedReason").GetString());

        // 3. A customer writes; the agent sends the template with its autofilled values; Meta takes it.
        var customerText = "Hola, ¿dónde está mi pedido 55123? " + suffix;
        (await sandbox.PostAsJsonAsync("/sandbox/customers/1122334455667/messages", new { from = "3465550" + Random.Shared.Next(1000, 9999), name = "Lucía Pérez", text = customerText }))
            .EnsureSuccessStatusCode();
        var conversationId = (await NextAsync(changes, c => c.Kind == "message_created" && c.MessageBody == customerText, "inbound")).ConversationId!.Value;
        var (agent, _) = await platform.SignInAsync("agent@demo.local");
        var autofill = await agent.GetFromJsonAsync<JsonElement>($"/projects/{platform.ProjectId}/conversations/{conversationId}/templates/{id}/autofill");
        var values = autofill.GetProperty("values").EnumerateArray().ToDictionary(v => v.GetProperty("key").GetString()!, v => v.GetProperty("value").GetString()!);
        Assert.Equal(new Dictionary<string, string> { ["1"] = "Lucía", ["2"] = "55123" }, values);

        var send = await agent.PostAsJsonAsync($"/projects/{platform.ProjectId}/conversations/{conversationId}/template",
            new { clientMessageId = "tpl-" + suffix, templateId = id, parameters = values });
        Assert.Equal(System.Net.HttpStatusCode.Created, send.StatusCode);
        var messageId = (await send.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetInt64();
        await NextAsync(changes, c => c.MessageId == messageId && c.MessageStatus == "delivered", "template delivered");
        var sent = await sandbox.GetFromJsonAsync<JsonElement>("/sandbox/sent?type=template");
        var atMeta = sent.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("template_name").GetString() == "pedido_enviado_" + suffix);
        var body = atMeta.GetProperty("body").GetProperty("template");
        Assert.Equal("es", body.GetProperty("language").GetProperty("code").GetString());
        Assert.Equal("Lucía", body.GetProperty("components")[0].GetProperty("parameters")[0].GetProperty("text").GetString());

        // 4. Meta pauses it (quality): the webhook updates it everywhere, and a new send is refused before Meta.
        (await sandbox.PostAsJsonAsync($"/sandbox/templates/{metaId}/status", new { status = "PAUSED" })).EnsureSuccessStatusCode();
        await NextAsync(changes, c => TemplateIs(c, id, "PAUSED"), "template paused");
        var refused = await agent.PostAsJsonAsync($"/projects/{platform.ProjectId}/conversations/{conversationId}/template",
            new { clientMessageId = "tpl2-" + suffix, templateId = id, parameters = values });
        Assert.Equal(System.Net.HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("template_not_approved", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }
}
