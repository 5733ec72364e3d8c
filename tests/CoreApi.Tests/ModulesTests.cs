using System.Net;
using System.Net.Http.Json;
using MultichannelMessages.Contracts.Console;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Admin → Modules: each module's switch and what the project still needs for it, read from what the project
/// has; a switch is a configuring write in the command log.</summary>
public sealed class ModulesTests(CoreHost host) : IClassFixture<CoreHost>
{
    private async Task<ModuleStatus[]> ModulesAsync(HttpClient client, long projectId) =>
        (await client.GetFromJsonAsync<ModuleStatus[]>($"/projects/{projectId}/modules"))!;

    [Fact]
    public async Task Readiness_says_what_a_project_still_needs_and_turns_ready_when_it_has_it()
    {
        // A new project with an admin and nothing connected.
        var projectId = await host.ScalarAsync<long>("select core.ensure_project('modules-empty', 'Empty shop')");
        var adminId = await host.ScalarAsync<long>("select id from core.users where email = 'outsider@other.local'");
        await host.ScalarAsync<object>("select core.grant_role(@projectId, @adminId, 'admin')", new { projectId, adminId });
        var admin = await host.As("outsider@other.local");

        var empty = await ModulesAsync(admin, projectId);
        var templates = empty.Single(m => m.Key == "templates");
        Assert.False(templates.Ready);
        Assert.Equal([new ModuleCheck("whatsapp_account", false)], templates.Checks);
        Assert.Equal([new ModuleCheck("account_connected", false)], empty.Single(m => m.Key == "chats").Checks);
        var internalChat = empty.Single(m => m.Key == "internal_chat");
        Assert.True(internalChat.Ready); // no prerequisites
        Assert.Empty(internalChat.Checks);
        var massSends = empty.Single(m => m.Key == "mass_sends");
        Assert.True(massSends.Built);
        Assert.False(massSends.Ready);
        Assert.Equal(["whatsapp_account", "approved_marketing_template", "healthy_number"], massSends.Checks.Select(c => c.Key));
        var calls = empty.Single(m => m.Key == "calls");
        Assert.True(calls.Built);
        Assert.False(calls.Ready);
        Assert.Equal([new ModuleCheck("whatsapp_account", false)], calls.Checks);

        // Connecting a WhatsApp number readies Templates, Chats and Calls; an approved marketing template and a number
        // that is not RED tick the mass-send checks and ready it.
        var accountId = await host.ScalarAsync<long>(
            "select meta.upsert_account(@projectId, null, 'whatsapp', 'modules-phone-1', 'modules-waba-1', '15550001111', 'Shop number')", new { projectId });
        await host.ScalarAsync<object>("""
            insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
            values (@projectId, @accountId, 'modules-waba-1', 'spring_sale', 'en', 'MARKETING', '[]', 'APPROVED')
            """, new { projectId, accountId });
        var connected = await ModulesAsync(admin, projectId);
        Assert.True(connected.Single(m => m.Key == "templates").Ready);
        Assert.True(connected.Single(m => m.Key == "chats").Ready);
        Assert.All(connected.Single(m => m.Key == "mass_sends").Checks, c => Assert.True(c.Ok, c.Key));
        Assert.True(connected.Single(m => m.Key == "mass_sends").Ready);
        Assert.All(connected.Single(m => m.Key == "calls").Checks, c => Assert.True(c.Ok, c.Key));
        Assert.True(connected.Single(m => m.Key == "calls").Ready);

        await host.ScalarAsync<object>("update meta.accounts set quality_rating = 'RED' where id = @accountId", new { accountId });
        var red = (await ModulesAsync(admin, projectId)).Single(m => m.Key == "mass_sends");
        Assert.Contains(new ModuleCheck("healthy_number", false), red.Checks);
        Assert.False(red.Ready);
    }

    [Fact]
    public async Task Switching_a_module_shows_in_the_navigation_and_in_the_command_log()
    {
        var admin = await host.As("admin@demo.local");
        var p = $"/projects/{host.DemoProjectId}/modules";
        Assert.False((await ModulesAsync(admin, host.DemoProjectId)).Single(m => m.Key == "dashboard").Enabled);

        var on = await admin.PutAsJsonAsync($"{p}/dashboard", new { enabled = true });
        Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        Assert.True((await on.Content.ReadFromJsonAsync<ModuleStatus[]>())!.Single(m => m.Key == "dashboard").Enabled);
        var me = (await admin.GetFromJsonAsync<Profile>("/me"))!;
        Assert.True(me.Projects.Single(x => x.Id == host.DemoProjectId).Modules.Single(m => m.Key == "dashboard").Enabled);
        // The same state again changes nothing and records nothing.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"{p}/dashboard", new { enabled = true })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"{p}/dashboard", new { enabled = false })).StatusCode);
        var actions = await host.QueryAsync<string>(
            "select action from ops.command_log where target_kind = 'module' and target_id = 'dashboard' and project_id = @DemoProjectId order by id",
            new { host.DemoProjectId });
        Assert.Equal(["module.enable", "module.disable"], actions);

        var noAdmin = await admin.PutAsJsonAsync($"{p}/admin", new { enabled = false });
        Assert.Equal(HttpStatusCode.BadRequest, noAdmin.StatusCode);
        Assert.Contains("module_required", await noAdmin.Content.ReadAsStringAsync());
        var missing = await admin.PutAsJsonAsync($"{p}/dashboard", new { });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("\"field\":\"enabled\"", await missing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync($"{p}/no_such_module", new { enabled = true })).StatusCode);
    }
}
