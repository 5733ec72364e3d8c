using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using MultichannelMessages.Contracts.People;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>
/// What must hold around people: someone removed from a project is signed out everywhere at once (open tokens, refresh
/// tokens, hub connections), whatever other project they are in; an archived project takes nobody new, by any road
/// (an admin's or an operator's invitation, or a link made before the archive); and every write is in the command log
/// under its actor, with before and after, and never a token or a password.
/// </summary>
public sealed class PeopleSafeguardsTests(CoreHost host) : PeopleSteps(host), IClassFixture<CoreHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private sealed record LogRow(string Action, string Actor, string? Before, string? After, string? RequestId);

    private async Task<LogRow[]> LogAsync(long projectId) => await Host.QueryAsync<LogRow>("""
        select action as "Action", actor as "Actor", before::text as "Before", after::text as "After", request_id as "RequestId"
        from ops.command_log where project_id = @projectId order by id
        """, new { projectId });

    /// <summary>Invites <paramref name="email"/> with <paramref name="inviter"/> and accepts; the link is returned.</summary>
    private async Task<OneTimeLink> JoinAsync(HttpClient inviter, string path, string email, string role, string? password = GoodPassword)
    {
        var invited = await inviter.PostAsJsonAsync(path, new { email, role });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var link = (await invited.Content.ReadFromJsonAsync<OneTimeLink>())!;
        var accepted = await Host.Anonymous().PostAsJsonAsync("/invitations/accept", new { token = TokenOf(link), displayName = "Mia", password });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        return link;
    }

    [Fact]
    public async Task Removing_someone_ends_every_session_at_once_even_when_they_are_in_another_project()
    {
        var (projectId, _, adminToken) = await NewProjectWithAdminAsync("Removal shop");
        var admin = With(adminToken);
        var email = $"mia-{Guid.NewGuid():N}@shop.example";
        await JoinAsync(admin, $"/projects/{projectId}/invitations", email, "agent");
        await JoinAsync(await Host.As("admin@demo.local"), $"/projects/{Host.DemoProjectId}/invitations", email, "agent", password: null);
        var userId = await Host.ScalarAsync<long>("select id from core.users where email = @email", new { email });

        var (laptop, laptopRefresh) = await SignInAsync(email, GoodPassword);
        var (phone, _) = await SignInAsync(email, GoodPassword);
        await using var hub = await Host.HubWithTokenAsync(laptop);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        await hub.InvokeAsync<long>("JoinProject", Host.DemoProjectId);
        // Positive controls: both sessions open both projects before.
        Assert.Equal(HttpStatusCode.OK, (await With(laptop).GetAsync($"/projects/{Host.DemoProjectId}/conversations")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await With(phone).GetAsync($"/projects/{projectId}/conversations")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync($"/projects/{projectId}/people/{userId}/deactivate", new { reason = "left" })).StatusCode);

        // At once, without waiting for the access tokens to expire: every session is over, in the other project too.
        Assert.Equal(HttpStatusCode.Unauthorized, (await With(laptop).GetAsync($"/projects/{Host.DemoProjectId}/conversations")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await With(phone).GetAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.Anonymous().PostAsJsonAsync("/auth/refresh", new { refreshToken = laptopRefresh })).StatusCode);
        await closed.Task.WaitAsync(Patience);
        Assert.Equal(HubConnectionState.Disconnected, hub.State);

        // Signing in again opens the project they are still in, not the one they left.
        var (again, _) = await SignInAsync(email, GoodPassword);
        var projects = (await With(again).GetFromJsonAsync<JsonElement[]>("/projects"))!.Select(p => p.GetProperty("id").GetInt64()).ToArray();
        Assert.Contains(Host.DemoProjectId, projects);
        Assert.DoesNotContain(projectId, projects);
        Assert.Equal(HttpStatusCode.NotFound, (await With(again).GetAsync($"/projects/{projectId}/conversations")).StatusCode);

        var removal = (await LogAsync(projectId)).Last();
        Assert.Equal("person.deactivate", removal.Action);
        var after = JsonDocument.Parse(removal.After!).RootElement;
        Assert.Equal((2, "left"), (after.GetProperty("sessionsEnded").GetInt32(), after.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task A_project_admin_removing_an_operator_does_not_sign_them_out_of_the_platform()
    {
        var (projectId, _, adminToken) = await NewProjectWithAdminAsync("Operator member shop");
        var op = await OperatorAsync();
        await JoinAsync(With(adminToken), $"/projects/{projectId}/invitations", Operator, "dev", password: null);
        var operatorId = await Host.ScalarAsync<long>("select id from core.users where email = @Operator", new { Operator });
        // Control: a member at once (regression: accepting did not apply the grants' invalidation before answering, so an
        // existing user signed in elsewhere did not see the project they joined until the cache expired).
        Assert.Equal(HttpStatusCode.OK, (await op.GetAsync($"/projects/{projectId}/ops/workers")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await With(adminToken).PostAsJsonAsync($"/projects/{projectId}/people/{operatorId}/deactivate", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await op.GetAsync($"/projects/{projectId}/ops/workers")).StatusCode); // out of the project at once
        Assert.Equal(HttpStatusCode.OK, (await op.GetAsync("/platform/projects")).StatusCode); // still signed in
    }

    [Fact]
    public async Task An_archived_project_takes_nobody_new_and_an_earlier_invitation_waits_for_unarchive()
    {
        var (projectId, _, adminToken) = await NewProjectWithAdminAsync("Closed shop");
        var admin = With(adminToken);
        var op = await OperatorAsync();
        var early = (await (await admin.PostAsJsonAsync($"/projects/{projectId}/invitations", new { email = "early@shop.example", role = "agent" }))
            .Content.ReadFromJsonAsync<OneTimeLink>())!; // control: inviting works before the archive
        Assert.Equal(HttpStatusCode.OK, (await Host.Anonymous().PostAsJsonAsync("/invitations/inspect", new { token = TokenOf(early) })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await op.PostAsJsonAsync($"/platform/projects/{projectId}/archive", new { reason = "season over" })).StatusCode);
        await AssertRefusedAsync(await admin.PostAsJsonAsync($"/projects/{projectId}/invitations", new { email = "new@shop.example", role = "agent" }),
            HttpStatusCode.Conflict, "project_archived");
        await AssertRefusedAsync(await op.PostAsJsonAsync($"/platform/projects/{projectId}/invitations", new { email = "new@shop.example", role = "admin" }),
            HttpStatusCode.Conflict, "project_archived");
        await AssertRefusedAsync(await Host.Anonymous().PostAsJsonAsync("/invitations/inspect", new { token = TokenOf(early) }),
            HttpStatusCode.Conflict, "project_archived");
        await AssertRefusedAsync(await Host.Anonymous().PostAsJsonAsync("/invitations/accept", new { token = TokenOf(early), displayName = "Early", password = GoodPassword }),
            HttpStatusCode.Conflict, "project_archived");
        Assert.Equal(0L, await Host.ScalarAsync<long>("select count(*) from core.users where email = 'early@shop.example'"));
        // Reads still work: the admin sees the people and the invitation still open.
        var people = (await admin.GetFromJsonAsync<PeopleView>($"/projects/{projectId}/people"))!;
        Assert.Contains(people.Invitations, i => i.Id == early.Id);

        Assert.Equal(HttpStatusCode.NoContent, (await op.PostAsJsonAsync($"/platform/projects/{projectId}/unarchive", new { reason = "back" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK,
            (await Host.Anonymous().PostAsJsonAsync("/invitations/accept", new { token = TokenOf(early), displayName = "Early", password = GoodPassword })).StatusCode);
        Assert.Equal(HttpStatusCode.Created,
            (await op.PostAsJsonAsync($"/platform/projects/{projectId}/invitations", new { email = "new@shop.example", role = "admin" })).StatusCode);
    }

    [Fact]
    public async Task Two_clicks_on_one_invitation_make_one_member()
    {
        var (projectId, _, adminToken) = await NewProjectWithAdminAsync("Double click shop");
        var link = (await (await With(adminToken).PostAsJsonAsync($"/projects/{projectId}/invitations", new { email = "twice-clicked@shop.example", role = "agent" }))
            .Content.ReadFromJsonAsync<OneTimeLink>())!;
        var clicks = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Host.Anonymous().PostAsJsonAsync("/invitations/accept",
            new { token = TokenOf(link), displayName = $"Click {i}", password = GoodPassword })));

        Assert.Single(clicks, r => r.StatusCode == HttpStatusCode.OK);
        foreach (var refused in clicks.Where(r => r.StatusCode != HttpStatusCode.OK))
            await AssertRefusedAsync(refused, HttpStatusCode.Gone, "invitation_used");
        Assert.Equal(1L, await Host.ScalarAsync<long>("select count(*) from core.users where email = 'twice-clicked@shop.example'"));
        Assert.Equal(2, (await ActionsAsync(projectId)).Count(a => a == "person.join")); // the first admin's, and this one

    }

    [Fact]
    public async Task Reset_links_expire_are_replaced_and_refuse_a_weak_or_overlong_password_by_field()
    {
        var (projectId, adminEmail, adminToken) = await NewProjectWithAdminAsync("Reset rules shop");
        var admin = With(adminToken);
        var adminId = await Host.ScalarAsync<long>("select id from core.users where email = @adminEmail", new { adminEmail });
        async Task<OneTimeLink> ResetAsync() =>
            (await (await admin.PostAsJsonAsync($"/projects/{projectId}/people/{adminId}/password-reset", new { })).Content.ReadFromJsonAsync<OneTimeLink>())!;

        var expired = await ResetAsync();
        await Host.ScalarAsync<object>("update core.one_time_links set expires_at = now() - interval '1 minute' where id = @Id", new { expired.Id });
        await AssertRefusedAsync(await Host.Anonymous().PostAsJsonAsync("/password-resets/complete", new { token = TokenOf(expired), password = "a perfectly good phrase" }),
            HttpStatusCode.Gone, "reset_expired");
        var first = await ResetAsync();
        var second = await ResetAsync();
        await AssertRefusedAsync(await Host.Anonymous().PostAsJsonAsync("/password-resets/inspect", new { token = TokenOf(first) }), HttpStatusCode.Gone, "reset_expired");
        await AssertRefusedAsync(await Host.Anonymous().PostAsJsonAsync("/password-resets/inspect", new { token = "made-up" }),
            HttpStatusCode.BadRequest, "reset_invalid", "token");

        var token = TokenOf(second);
        await AssertRefusedAsync(await Host.Anonymous().PostAsJsonAsync("/password-resets/complete", new { token, password = new string('x', 60) + new string('y', 69) }),
            HttpStatusCode.BadRequest, "password_too_long", "password");
        await AssertRefusedAsync(await Host.Anonymous().PostAsJsonAsync("/password-resets/complete", new { token, password = adminEmail.ToUpperInvariant() }),
            HttpStatusCode.BadRequest, "password_is_email", "password");
        await AssertRefusedAsync(await Host.Anonymous().PostAsJsonAsync("/password-resets/complete", new { token, password = "PasswordPassword" }),
            HttpStatusCode.BadRequest, "password_too_common", "password");
        // The refusals spent nothing: the link still works, once.
        Assert.Equal(HttpStatusCode.NoContent, (await Host.Anonymous().PostAsJsonAsync("/password-resets/complete", new { token, password = "exactly 12ch" })).StatusCode);
        await SignInAsync(adminEmail, "exactly 12ch");
    }

    [Fact]
    public async Task Every_project_and_people_write_is_logged_with_its_actor_before_and_after_and_no_secret()
    {
        var op = await OperatorAsync();
        var project = (await (await op.PostAsJsonAsync("/platform/projects", new { name = "Audit shop" })).Content.ReadFromJsonAsync<PlatformProject>())!;
        Assert.Equal(HttpStatusCode.NoContent, (await op.PatchAsJsonAsync($"/platform/projects/{project.Id}", new { name = "Audit shop SL" })).StatusCode);
        var adminEmail = $"audit-admin-{Guid.NewGuid():N}@shop.example";
        var adminLink = await JoinAsync(op, $"/platform/projects/{project.Id}/invitations", adminEmail, "admin");
        var (adminToken, _) = await SignInAsync(adminEmail, GoodPassword);
        var admin = With(adminToken);

        var agentEmail = $"audit-agent-{Guid.NewGuid():N}@shop.example";
        var revoked = (await (await admin.PostAsJsonAsync($"/projects/{project.Id}/invitations", new { email = agentEmail, role = "agent" }))
            .Content.ReadFromJsonAsync<OneTimeLink>())!;
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/projects/{project.Id}/invitations/{revoked.Id}")).StatusCode);
        var agentLink = await JoinAsync(admin, $"/projects/{project.Id}/invitations", agentEmail, "agent");
        var agentId = await Host.ScalarAsync<long>("select id from core.users where email = @agentEmail", new { agentEmail });
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PatchAsJsonAsync($"/projects/{project.Id}/people/{agentId}", new { role = "supervisor" })).StatusCode);
        var reset = (await (await admin.PostAsJsonAsync($"/projects/{project.Id}/people/{agentId}/password-reset", new { })).Content.ReadFromJsonAsync<OneTimeLink>())!;
        const string NewPassword = "a fresh phrase for the agent";
        Assert.Equal(HttpStatusCode.NoContent, (await Host.Anonymous().PostAsJsonAsync("/password-resets/complete", new { token = TokenOf(reset), password = NewPassword })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync($"/projects/{project.Id}/people/{agentId}/deactivate", new { reason = "moved on" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await op.PostAsJsonAsync($"/platform/projects/{project.Id}/archive", new { reason = "audit" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await op.PostAsJsonAsync($"/platform/projects/{project.Id}/unarchive", new { reason = "audit done" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await op.PostAsJsonAsync($"/platform/projects/{project.Id}/help", new { reason = "ticket 77" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await op.PostAsJsonAsync($"/platform/projects/{project.Id}/help/end", new { })).StatusCode);

        var log = await LogAsync(project.Id);
        Assert.Equal(
        [
            ("project.create", Operator), ("project.rename", Operator), ("person.invite", Operator), ("person.join", adminEmail),
            ("person.invite", adminEmail), ("person.invitation_revoke", adminEmail), ("person.invite", adminEmail), ("person.join", agentEmail),
            ("person.role", adminEmail), ("person.password_reset", adminEmail), ("person.password_reset_done", agentEmail),
            ("person.deactivate", adminEmail), ("project.archive", Operator), ("project.unarchive", Operator), ("project.help", Operator),
            ("project.help_end", Operator),
        ], log.Select(r => (r.Action, r.Actor)));
        Assert.All(log, r => Assert.False(string.IsNullOrEmpty(r.RequestId)));

        JsonElement Json(string? text) => JsonDocument.Parse(text!).RootElement;
        var rename = log.Single(r => r.Action == "project.rename");
        Assert.Equal(("Audit shop", "Audit shop SL"), (Json(rename.Before).GetProperty("name").GetString(), Json(rename.After).GetProperty("name").GetString()));
        var revoke = log.Single(r => r.Action == "person.invitation_revoke");
        Assert.Equal((agentEmail, "open", "revoked"),
            (Json(revoke.Before).GetProperty("email").GetString(), Json(revoke.Before).GetProperty("state").GetString(), Json(revoke.After).GetProperty("state").GetString()));
        var role = log.Single(r => r.Action == "person.role");
        Assert.Equal(("agent", "supervisor"), (Json(role.Before).GetProperty("role").GetString(), Json(role.After).GetProperty("role").GetString()));
        var removal = log.Single(r => r.Action == "person.deactivate");
        Assert.Equal(("supervisor", "moved on"), (Json(removal.Before).GetProperty("role").GetString(), Json(removal.After).GetProperty("reason").GetString()));
        var archive = log.Single(r => r.Action == "project.archive");
        Assert.Equal((false, true), (Json(archive.Before).GetProperty("archived").GetBoolean(), Json(archive.After).GetProperty("archived").GetBoolean()));

        // No token, password or password hash anywhere in the log.
        var hashes = await Host.QueryAsync<string>("select password_hash from core.users where email in (@adminEmail, @agentEmail)", new { adminEmail, agentEmail });
        var secrets = new[] { TokenOf(adminLink), TokenOf(revoked), TokenOf(agentLink), TokenOf(reset), GoodPassword, NewPassword }.Concat(hashes).ToArray();
        var everything = await Host.QueryAsync<string>("select coalesce(before::text, '') || ' ' || coalesce(after::text, '') from ops.command_log");
        Assert.DoesNotContain(everything, text => secrets.Any(text.Contains));
    }
}

/// <summary>The anonymous link routes share sign-in's per-address flood limit (own host with a low one).</summary>
public sealed class LinkFloodTests(SignInFloodTests.FloodHost host) : IClassFixture<SignInFloodTests.FloodHost>
{
    [Fact]
    public async Task A_flood_of_link_guesses_is_limited_like_sign_ins()
    {
        var statuses = new List<HttpStatusCode>();
        foreach (var path in new[] { "/invitations/inspect", "/invitations/accept", "/password-resets/inspect", "/password-resets/complete" })
            for (var i = 0; i < 2; i++)
                statuses.Add((await host.Anonymous().PostAsJsonAsync(path, new { token = $"guess-{i}", password = "a perfectly good phrase" })).StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, statuses[0]); // control: answered as a bad link while under the limit
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
    }
}
