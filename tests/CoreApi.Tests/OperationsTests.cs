using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

public sealed class OperationsTests(CoreHost host) : IClassFixture<CoreHost>
{
    [Fact]
    public async Task Devs_and_admins_see_worker_heartbeats_agents_do_not()
    {
        await host.ScalarAsync<object>("select ops.beat('worker-a', 'outbox', '{\"sent\": 3}'::jsonb)");
        var workers = $"/projects/{host.DemoProjectId}/ops/workers";
        var beats = await (await host.As("dev@demo.local")).GetFromJsonAsync<JsonElement>(workers);
        var beat = Assert.Single(beats.EnumerateArray(), b => b.GetProperty("workerId").GetString() == "worker-a");
        Assert.Equal("outbox", beat.GetProperty("loop").GetString());
        Assert.Equal(HttpStatusCode.OK, (await (await host.As("admin@demo.local")).GetAsync(workers)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("agent@demo.local")).GetAsync(workers)).StatusCode);
    }

    [Fact]
    public async Task Project_admin_sees_no_other_projects_worker_details()
    {
        const string secret = "(#131026) Message undeliverable to +15550000999 of the other tenant";
        await host.ScalarAsync<object>("select ops.beat('worker-b', 'sender', jsonb_build_object('lastError', @secret::text))", new { secret });
        var admin = await host.As("admin@demo.local");

        // The platform-wide list with details is not theirs to see at all.
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/ops/workers")).StatusCode);
        // Their project's view shows every loop alive, with no detail text.
        var text = await admin.GetStringAsync($"/projects/{host.DemoProjectId}/ops/workers");
        var beat = Assert.Single(JsonDocument.Parse(text).RootElement.EnumerateArray(), b => b.GetProperty("workerId").GetString() == "worker-b");
        Assert.Equal("sender", beat.GetProperty("loop").GetString());
        Assert.Equal(JsonValueKind.Null, beat.GetProperty("details").ValueKind);
        Assert.DoesNotContain("131026", text);

        // Positive control: a platform operator sees the details.
        await host.ScalarAsync<object>("""
            select core.create_user('operator@platform.local', 'Olga Operator', (select password_hash from core.users where email = 'admin@demo.local'))
            """);
        await host.ScalarAsync<object>("update core.users set is_operator = true where email = 'operator@platform.local'");
        var all = await (await host.As("operator@platform.local")).GetStringAsync("/ops/workers");
        Assert.Contains("131026", all);
    }

    [Fact]
    public async Task Dead_letters_are_listed_per_project_for_ops_roles_only()
    {
        Assert.Equal(HttpStatusCode.OK, (await (await host.As("dev@demo.local")).GetAsync($"/projects/{host.DemoProjectId}/dead-letters")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("agent@demo.local")).GetAsync($"/projects/{host.DemoProjectId}/dead-letters")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await host.As("dev@demo.local")).GetAsync($"/projects/{host.OtherProjectId}/dead-letters")).StatusCode);
    }
}
