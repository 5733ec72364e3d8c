using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Templates;

/// <summary>The Worker's template loops against the real database and the sandbox: submission (with retries and
/// Meta's refusals) and the periodic sync (review outcome, pause, quality, templates made elsewhere).</summary>
public sealed class TemplateLoopTests
{
    private static readonly (string, string)[] Fast =
    [
        ("Templates:PollIntervalMs", "100"), ("Templates:RetryBaseDelayMs", "100"), ("Templates:SyncIntervalMs", "300"),
        ("Templates:SyncPageSize", "2"),
    ];

    private const string Components = """
        [{"type":"BODY","text":"Your order {{1}} has shipped.","example":{"body_text":[["4411"]]}},{"type":"FOOTER","text":"Thanks"}]
        """;

    private static Task<long> CreateAsync(WorkerDatabase db, string name) => db.ScalarAsync<long>("""
        select template_id from meta.create_template(@ProjectId, (select id from meta.accounts where external_id = @account), null,
                                                     @name, 'en_US', 'UTILITY', 'positional', @components::jsonb, '{}')
        """, new { db.ProjectId, account = WorkerDatabase.WhatsApp, name, components = Components });

    private static Task<string> StatusAsync(WorkerDatabase db, long id) =>
        db.ScalarAsync<string>("select status from meta.templates where id = @id", new { id });

    private static async Task<JsonElement> SandboxTemplatesAsync(SandboxHost sandbox) =>
        await sandbox.Client.GetFromJsonAsync<JsonElement>("/sandbox/templates");

    [Fact]
    public async Task A_new_template_is_submitted_then_the_sync_brings_metas_approval()
    {
        var db = await WorkerDatabase.CreateAsync("tplsubmit");
        var id = await CreateAsync(db, "order_shipped");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox, Fast);

        await Eventually.TrueAsync(async () => await StatusAsync(db, id) == "APPROVED", TimeSpan.FromSeconds(15), "approved through the sync");

        var atMeta = (await SandboxTemplatesAsync(sandbox)).EnumerateArray().Single(t => t.GetProperty("name").GetString() == "order_shipped");
        Assert.Equal(atMeta.GetProperty("id").GetString(), await db.ScalarAsync<string>("select meta_template_id from meta.templates where id = @id", new { id }));
        Assert.Equal("Your order {{1}} has shipped.", atMeta.GetProperty("components")[0].GetProperty("text").GetString());
        Assert.Equal(["pending_submission", "PENDING", "APPROVED"],
            (await db.QueryAsync<string>("select status from meta.template_status_history where template_id = @id order by id", new { id })).ToArray());
    }

    [Fact]
    public async Task A_server_error_is_retried_and_the_template_submitted_once()
    {
        var db = await WorkerDatabase.CreateAsync("tplretry");
        var id = await CreateAsync(db, "retried_once");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await sandbox.AddFaultAsync(new { kind = "server_error", count = 1, endpoint = "templates" });
        await using var worker = WorkerHost.Start(db, sandbox, Fast);

        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>("select count(*) from meta.templates where id = @id and meta_template_id is not null", new { id }) == 1,
            TimeSpan.FromSeconds(15), "submitted after the retry");

        Assert.Single((await SandboxTemplatesAsync(sandbox)).EnumerateArray(), t => t.GetProperty("name").GetString() == "retried_once");
        Assert.Equal(1, (await sandbox.FaultsAsync()).Single().Hits);
    }

    [Fact]
    public async Task A_name_meta_already_has_ends_in_submit_failed_with_metas_words()
    {
        var db = await WorkerDatabase.CreateAsync("tpldupe");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        using var existing = new HttpRequestMessage(HttpMethod.Post, $"/v21.0/{WorkerDatabase.WhatsAppWaba}/message_templates")
        {
            Content = JsonContent.Create(new
            {
                name = "made_elsewhere", language = "en_US", category = "UTILITY",
                components = new object[] { new { type = "BODY", text = "Hello" } },
            }),
        };
        existing.Headers.Authorization = new AuthenticationHeaderValue("Bearer", WorkerDatabase.TokenOf(WorkerDatabase.WhatsApp));
        (await sandbox.Client.SendAsync(existing)).EnsureSuccessStatusCode();
        var id = await CreateAsync(db, "made_elsewhere");
        await using var worker = WorkerHost.Start(db, sandbox, ("Templates:PollIntervalMs", "100"), ("Templates:SyncIntervalMs", "600000"));

        await Eventually.TrueAsync(async () => await StatusAsync(db, id) == "submit_failed", TimeSpan.FromSeconds(15), "the duplicate refused");
        // The sync (which ran at start and again on its LISTEN) leaves a refused duplicate as it is.
        await worker.Services.GetRequiredService<MultichannelMessages.Worker.Templates.TemplateSyncLoop>().SyncAllAsync(CancellationToken.None);
        Assert.Equal("submit_failed", await StatusAsync(db, id));

        var detail = await db.ScalarAsync<string>("select status_detail from meta.templates where id = @id", new { id });
        Assert.Contains("2388024", detail);
        Assert.Contains("already exists", detail);
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from meta.templates where id = @id and pending_action is not null", new { id }));
    }

    [Fact]
    public async Task The_sync_picks_up_a_pause_a_quality_change_and_templates_made_elsewhere()
    {
        var db = await WorkerDatabase.CreateAsync("tplsync");
        var id = await CreateAsync(db, "will_be_paused");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox, Fast);
        await Eventually.TrueAsync(async () => await StatusAsync(db, id) == "APPROVED", TimeSpan.FromSeconds(15), "approved");
        // Three more at Meta only: with pages of two, the sync has to follow paging.next to see them all.
        foreach (var name in new[] { "elsewhere_a", "elsewhere_b", "elsewhere_c" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v21.0/{WorkerDatabase.WhatsAppWaba}/message_templates")
            {
                Content = JsonContent.Create(new { name, language = "es", category = "MARKETING", components = new object[] { new { type = "BODY", text = "Hola" } } }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", WorkerDatabase.TokenOf(WorkerDatabase.WhatsApp));
            (await sandbox.Client.SendAsync(request)).EnsureSuccessStatusCode();
        }
        var metaId = await db.ScalarAsync<string>("select meta_template_id from meta.templates where id = @id", new { id });

        (await sandbox.Client.PostAsJsonAsync($"/sandbox/templates/{metaId}/status", new { status = "PAUSED" })).EnsureSuccessStatusCode();
        (await sandbox.Client.PostAsJsonAsync($"/sandbox/templates/{metaId}/quality", new { score = "RED" })).EnsureSuccessStatusCode();

        await Eventually.TrueAsync(async () => await StatusAsync(db, id) == "PAUSED", TimeSpan.FromSeconds(15), "paused through the sync");
        Assert.Equal("RED", await db.ScalarAsync<string>("select quality_score from meta.templates where id = @id", new { id }));
        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>(
            "select count(*) from meta.templates where name like 'elsewhere_%' and created_by is null") == 3, TimeSpan.FromSeconds(15), "imported");
    }
}
