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
        var beats = await (await host.As("dev@demo.local")).GetFromJsonAsync<JsonElement>("/ops/workers");
        var beat = Assert.Single(beats.EnumerateArray(), b => b.GetProperty("workerId").GetString() == "worker-a");
        Assert.Equal("outbox", beat.GetProperty("loop").GetString());
        Assert.Equal(HttpStatusCode.OK, (await (await host.As("admin@demo.local")).GetAsync("/ops/workers")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await host.As("agent@demo.local")).GetAsync("/ops/workers")).StatusCode);
    }

    [Fact]
    public async Task Dead_letters_are_listed_per_project_for_ops_roles_only()
    {
        Assert.Equal(HttpStatusCode.OK, (await (await host.As("dev@demo.local")).GetAsync($"/projects/{host.DemoProjectId}/dead-letters")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await host.As("agent@demo.local")).GetAsync($"/projects/{host.DemoProjectId}/dead-letters")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await host.As("dev@demo.local")).GetAsync($"/projects/{host.OtherProjectId}/dead-letters")).StatusCode);
    }
}
