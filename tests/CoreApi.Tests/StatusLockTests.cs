using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Resolving and reopening respect the lock as a send does: someone else's lock stands unless the caller
/// may revoke it (locks.revoke: admins and devs), and then it is recorded as revoked.</summary>
public sealed class StatusLockTests(CoreHost host) : IClassFixture<CoreHost>
{
    private static int _customer;

    private Task<long> ConversationAsync() =>
        host.ConversationAsync(host.DemoAccountId, "3498" + Interlocked.Increment(ref _customer).ToString("D7"), "hello", host.GeneralQueueId);

    private Task<string> StatusAsync(long conversation) =>
        host.ScalarAsync<string>("select status from chat.conversations where id = @conversation", new { conversation });

    private Task<string?> LockOwnerAsync(long conversation) => host.ScalarAsync<string?>(
        "select u.email from chat.conversation_locks l join core.users u on u.id = l.user_id where l.conversation_id = @conversation", new { conversation });

    private async Task<string[]> LockActionsAsync(long conversation) =>
        (await (await (await host.As("admin@demo.local")).GetAsync($"/conversations/{conversation}/lock/history")).Content.ReadFromJsonAsync<JsonElement>())
            .EnumerateArray().Reverse().Select(e => e.GetProperty("action").GetString()!).ToArray();

    private static async Task AssertLockHeldAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("lock_held", problem.GetProperty("code").GetString());
        Assert.Contains("Ana Agent", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Resolve_then_reopen_keeps_someone_elses_lock()
    {
        var conversation = await ConversationAsync();
        var agent = await host.As("agent@demo.local");
        var supervisor = await host.As("supervisor@demo.local");
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"/conversations/{conversation}/lock", null)).StatusCode);

        // The supervisor works the same queue but may not revoke locks: resolving under the agent is refused, as a
        // send would be, so the reopen that followed can no longer hand the lock to whoever takes it next.
        await AssertLockHeldAsync(await supervisor.PostAsync($"/conversations/{conversation}/resolve", null));
        await AssertLockHeldAsync(await supervisor.PostAsync($"/conversations/{conversation}/reopen", null));
        await AssertLockHeldAsync(await supervisor.PostAsync($"/conversations/{conversation}/lock", null));
        Assert.Equal("open", await StatusAsync(conversation));
        Assert.Equal("agent@demo.local", await LockOwnerAsync(conversation));
        Assert.Equal(["taken"], await LockActionsAsync(conversation));

        // The holder resolves: her own lock is released; the reopen then needs no lock.
        Assert.Equal(HttpStatusCode.NoContent, (await agent.PostAsync($"/conversations/{conversation}/resolve", null)).StatusCode);
        Assert.Equal("resolved", await StatusAsync(conversation));
        Assert.Null(await LockOwnerAsync(conversation));
        Assert.Equal(HttpStatusCode.NoContent, (await supervisor.PostAsync($"/conversations/{conversation}/reopen", null)).StatusCode);
        Assert.Equal("open", await StatusAsync(conversation));
        Assert.Equal(["taken", "released"], await LockActionsAsync(conversation));
    }

    [Fact]
    public async Task Reopening_leaves_the_lock_to_its_holder()
    {
        var conversation = await ConversationAsync();
        var agent = await host.As("agent@demo.local");
        Assert.Equal(HttpStatusCode.NoContent, (await agent.PostAsync($"/conversations/{conversation}/resolve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"/conversations/{conversation}/lock", null)).StatusCode);

        await AssertLockHeldAsync(await (await host.As("supervisor@demo.local")).PostAsync($"/conversations/{conversation}/reopen", null));
        Assert.Equal("resolved", await StatusAsync(conversation));
        Assert.Equal(HttpStatusCode.NoContent, (await agent.PostAsync($"/conversations/{conversation}/reopen", null)).StatusCode);
        Assert.Equal("open", await StatusAsync(conversation));
        Assert.Equal("agent@demo.local", await LockOwnerAsync(conversation));
    }

    [Fact]
    public async Task An_admin_with_locks_revoke_resolves_under_someone_elses_lock_and_it_is_recorded_as_revoked()
    {
        var conversation = await ConversationAsync();
        Assert.Equal(HttpStatusCode.OK, (await (await host.As("agent@demo.local")).PostAsync($"/conversations/{conversation}/lock", null)).StatusCode);
        var admin = await host.As("admin@demo.local");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/conversations/{conversation}/resolve", null)).StatusCode);
        Assert.Equal("resolved", await StatusAsync(conversation));
        Assert.Null(await LockOwnerAsync(conversation));
        Assert.Equal(["taken", "revoked"], await LockActionsAsync(conversation));
        Assert.Equal("admin@demo.local", await host.ScalarAsync<string>("""
            select u.email from chat.lock_events e join core.users u on u.id = e.actor_user_id
            where e.conversation_id = @conversation and e.action = 'revoked'
            """, new { conversation }));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/conversations/{conversation}/reopen", null)).StatusCode);
    }
}
