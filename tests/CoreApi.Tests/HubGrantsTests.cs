using System.Net.Http.Json;
using System.Security.Claims;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using MultichannelMessages.Contracts.Realtime;
using MultichannelMessages.CoreApi.Realtime;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Open hub connections follow their user's grants: regrouped when queues change, closed when the user is
/// deactivated, and closed when the access token they were opened with expires. Own host: these change memberships.</summary>
public sealed class HubGrantsTests(CoreHost host) : IClassFixture<CoreHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static Channel<ChangeItem> Collect(HubConnection hub)
    {
        var changes = Channel.CreateUnbounded<ChangeItem>();
        hub.On<ChangeItem>("change", c => changes.Writer.TryWrite(c));
        return changes;
    }

    private static async Task<ChangeItem> NextAsync(Channel<ChangeItem> changes, Func<ChangeItem, bool> match)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            var change = await changes.Reader.ReadAsync(timeout.Token);
            if (match(change)) return change;
        }
    }

    private static Task Closed(HubConnection hub)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        return closed.Task;
    }

    private async Task ReplyAsync(long conversation, string text) =>
        (await (await host.As("supervisor@demo.local")).PostAsJsonAsync($"/conversations/{conversation}/messages", new { text })).EnsureSuccessStatusCode();

    /// <summary>A new agent in the demo project and the General queue (their own, so deactivating them harms no other test).</summary>
    private async Task<(long UserId, string Email)> NewAgentAsync(string name)
    {
        var email = $"{name}@demo.local";
        var userId = await host.ScalarAsync<long>("select core.create_user(@email, @name, @hash)",
            new { email, name, hash = new Microsoft.AspNetCore.Identity.PasswordHasher<string>().HashPassword("", CoreHost.Password) });
        await host.ScalarAsync<object>("select core.grant_role(@DemoProjectId, @userId, 'agent')", new { host.DemoProjectId, userId });
        await host.ScalarAsync<object>("insert into core.queue_members (queue_id, user_id) values (@GeneralQueueId, @userId)", new { host.GeneralQueueId, userId });
        return (userId, email);
    }

    [Fact]
    public async Task Removed_from_queue_stops_receiving_its_pushes_on_an_open_connection()
    {
        var queue = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@DemoProjectId, 'Hub VIP') returning id", new { host.DemoProjectId });
        var (agentId, agentEmail) = await NewAgentAsync("vip-agent");
        await host.ScalarAsync<object>("insert into core.queue_members (queue_id, user_id) values (@queue, @agentId)", new { queue, agentId });
        var vip = await host.ConversationAsync(host.DemoAccountId, "34941000001", "vip", queue);
        var general = await host.ConversationAsync(host.DemoAccountId, "34941000002", "general", host.GeneralQueueId);

        await using var agentHub = await host.HubAsync(agentEmail);
        var agent = Collect(agentHub);
        await agentHub.InvokeAsync<long>("JoinProject", host.DemoProjectId);
        await using var supervisorHub = await host.HubAsync("supervisor@demo.local");
        var supervisor = Collect(supervisorHub);
        await supervisorHub.InvokeAsync<long>("JoinProject", host.DemoProjectId);

        // Positive control: while in the queue, its pushes arrive.
        await ReplyAsync(vip, "while a member");
        await NextAsync(agent, c => c.ConversationId == vip && c.MessageBody == "while a member");

        var admin = await host.As("admin@demo.local");
        (await admin.DeleteAsync($"/projects/{host.DemoProjectId}/queues/{queue}/members/{agentId}")).EnsureSuccessStatusCode();
        await ReplyAsync(vip, "after removal");
        await ReplyAsync(general, "still yours");

        // Another user keeps receiving the queue's pushes; the agent still gets their other queue's, which come later
        // in the feed, so by then the removed queue's push would have arrived.
        await NextAsync(supervisor, c => c.ConversationId == vip && c.MessageBody == "after removal");
        var received = new List<ChangeItem>();
        await NextAsync(agent, c => { received.Add(c); return c.ConversationId == general && c.MessageBody == "still yours"; });
        Assert.DoesNotContain(received, c => c.ConversationId == vip && c.MessageBody == "after removal");
        Assert.Equal(HubConnectionState.Connected, agentHub.State);
    }

    [Fact]
    public async Task Deactivated_user_connection_is_closed()
    {
        var (leaverId, leaverEmail) = await NewAgentAsync("hub-leaver");
        var general = await host.ConversationAsync(host.DemoAccountId, "34941000003", "general", host.GeneralQueueId);
        await using var leaverHub = await host.HubAsync(leaverEmail);
        var leaver = Collect(leaverHub);
        var closed = Closed(leaverHub);
        await leaverHub.InvokeAsync<long>("JoinProject", host.DemoProjectId);
        await using var colleagueHub = await host.HubAsync("agent@demo.local");
        var colleague = Collect(colleagueHub);
        await colleagueHub.InvokeAsync<long>("JoinProject", host.DemoProjectId);

        // Positive control: a push before the change arrives.
        await ReplyAsync(general, "before deactivation");
        await NextAsync(leaver, c => c.MessageBody == "before deactivation");

        await host.ScalarAsync<object>("select core.set_user_active(@leaverId, false)", new { leaverId });
        await closed.WaitAsync(Patience);
        Assert.Equal(HubConnectionState.Disconnected, leaverHub.State);

        // A colleague on the same queue keeps receiving.
        await ReplyAsync(general, "after deactivation");
        await NextAsync(colleague, c => c.MessageBody == "after deactivation");
        Assert.Equal(HubConnectionState.Connected, colleagueHub.State);
    }

    [Fact]
    public async Task Connection_closes_at_token_expiry()
    {
        var agentId = await host.ScalarAsync<long>("select id from core.users where email = 'agent@demo.local'");
        var general = await host.ConversationAsync(host.DemoAccountId, "34941000004", "general", host.GeneralQueueId);
        await using var shortLived = await host.HubWithTokenAsync(Mint(agentId, TimeSpan.FromSeconds(6)));
        var pushed = Collect(shortLived);
        var closed = Closed(shortLived);
        await shortLived.InvokeAsync<long>("JoinProject", host.DemoProjectId);
        await using var fullTerm = await host.HubAsync("agent@demo.local");
        var fullTermPushed = Collect(fullTerm);
        await fullTerm.InvokeAsync<long>("JoinProject", host.DemoProjectId);

        // Positive control: before expiry the short-lived connection receives.
        await ReplyAsync(general, "before expiry");
        await NextAsync(pushed, c => c.MessageBody == "before expiry");

        await closed.WaitAsync(Patience);
        Assert.Equal(HubConnectionState.Disconnected, shortLived.State);
        // A connection whose token is still valid stays open and keeps receiving.
        await ReplyAsync(general, "after expiry");
        await NextAsync(fullTermPushed, c => c.MessageBody == "after expiry");
    }

    [Fact]
    public async Task Signing_out_closes_the_sessions_hub_connections_only()
    {
        var general = await host.ConversationAsync(host.DemoAccountId, "34941000005", "general", host.GeneralQueueId);
        async Task<(string Access, string Refresh)> SignInAsync()
        {
            var response = await host.Anonymous().PostAsJsonAsync("/auth/login", new { email = "agent@demo.local", password = CoreHost.Password });
            var body = await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            return (body.GetProperty("accessToken").GetString()!, body.GetProperty("refreshToken").GetString()!);
        }
        var signedOut = await SignInAsync();
        var otherSession = await SignInAsync();
        await using var signedOutHub = await host.HubWithTokenAsync(signedOut.Access);
        var closed = Closed(signedOutHub);
        await signedOutHub.InvokeAsync<long>("JoinProject", host.DemoProjectId);
        await using var otherHub = await host.HubWithTokenAsync(otherSession.Access);
        var otherPushed = Collect(otherHub);
        await otherHub.InvokeAsync<long>("JoinProject", host.DemoProjectId);

        (await host.Anonymous().PostAsJsonAsync("/auth/logout", new { refreshToken = signedOut.Refresh })).EnsureSuccessStatusCode();
        await closed.WaitAsync(Patience);

        // The same user's other session keeps its connection and its pushes.
        await ReplyAsync(general, "after sign-out");
        await NextAsync(otherPushed, c => c.MessageBody == "after sign-out");
        Assert.Equal(HubConnectionState.Connected, otherHub.State);
    }

    private string Mint(long userId, TimeSpan lifetime) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "multichannel-messages",
        Audience = "console",
        Subject = new ClaimsIdentity([new Claim("sub", userId.ToString()), new Claim("name", "Ana Agent"), new Claim("sid", "0")]),
        IssuedAt = DateTime.UtcNow,
        NotBefore = DateTime.UtcNow,
        Expires = DateTime.UtcNow.Add(lifetime),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(host.JwtKey), SecurityAlgorithms.HmacSha256),
    });
}
