using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MultichannelMessages.Contracts.People;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>
/// Projects and people without SQL: an operator creates a project and invites its first admin, who accepts with a
/// one-time link and invites colleagues; roles change, people leave (their tokens stop at once), passwords are reset by
/// link or changed by their owner (other sessions end), sessions are listed and ended, a project is archived
/// (read-only) and an operator switches in to help. Each refusal is a stable code naming its field; each step is in
/// the command log.
/// </summary>
public sealed class PeopleTests(CoreHost host) : PeopleSteps(host), IClassFixture<CoreHost>
{
    [Fact]
    public async Task An_operator_creates_a_project_and_its_first_admin_joins_through_a_one_time_link()
    {
        var op = await OperatorAsync();
        await AssertRefusedAsync(await op.PostAsJsonAsync("/platform/projects", new { name = " " }), HttpStatusCode.BadRequest, "invalid_project_name", "name");
        var created = await op.PostAsJsonAsync("/platform/projects", new { name = "Ferretería Luz" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var project = (await created.Content.ReadFromJsonAsync<PlatformProject>())!;
        Assert.Equal(("Ferretería Luz", "ferreter-a-luz", 0), (project.Name, project.Slug, project.Members));
        Assert.Contains((await op.GetFromJsonAsync<PlatformProject[]>("/platform/projects"))!, p => p.Id == project.Id);

        await AssertRefusedAsync(await op.PostAsJsonAsync($"/platform/projects/{project.Id}/invitations", new { email = "not an address", role = "admin" }),
            HttpStatusCode.BadRequest, "invalid_email", "email");
        await AssertRefusedAsync(await op.PostAsJsonAsync($"/platform/projects/{project.Id}/invitations", new { email = "luz@shop.example", role = "owner" }),
            HttpStatusCode.BadRequest, "invalid_role", "role");
        var invited = await op.PostAsJsonAsync($"/platform/projects/{project.Id}/invitations", new { email = "Luz@Shop.example", role = "admin" });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var link = (await invited.Content.ReadFromJsonAsync<OneTimeLink>())!;
        Assert.StartsWith("http://localhost:5083/accept?token=", link.Link);
        Assert.False(link.Emailed); // no SMTP configured: the link is shown to hand over
        var token = TokenOf(link);
        // Only the token's hash is stored.
        Assert.Equal(0L, await Host.ScalarAsync<long>("select count(*) from core.one_time_links where encode(token_hash, 'escape') like '%' || @token || '%'", new { token }));

        var anonymous = Host.Anonymous();
        var view = (await (await anonymous.PostAsJsonAsync("/invitations/inspect", new { token })).Content.ReadFromJsonAsync<InvitationView>())!;
        Assert.Equal(("Ferretería Luz", "luz@shop.example", "admin", "Olga Operator", false), (view.ProjectName, view.Email, view.Role, view.InvitedBy, view.ExistingUser));

        await AssertRefusedAsync(await anonymous.PostAsJsonAsync("/invitations/accept", new { token, displayName = "Luz", password = "short" }),
            HttpStatusCode.BadRequest, "password_too_short", "password");
        await AssertRefusedAsync(await anonymous.PostAsJsonAsync("/invitations/accept", new { token, displayName = "Luz", password = "luz@shop.example" }),
            HttpStatusCode.BadRequest, "password_is_email", "password");
        await AssertRefusedAsync(await anonymous.PostAsJsonAsync("/invitations/accept", new { token, displayName = "Luz", password = "password1234" }),
            HttpStatusCode.BadRequest, "password_too_common", "password");
        await AssertRefusedAsync(await anonymous.PostAsJsonAsync("/invitations/accept", new { token, displayName = "", password = GoodPassword }),
            HttpStatusCode.BadRequest, "invalid_display_name", "displayName");
        var accepted = await anonymous.PostAsJsonAsync("/invitations/accept", new { token, displayName = "Luz Admin", password = GoodPassword });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.True((await accepted.Content.ReadFromJsonAsync<AcceptedInvitation>())!.Created);

        // The link is spent: a second use, or a look, is refused in words.
        await AssertRefusedAsync(await anonymous.PostAsJsonAsync("/invitations/accept", new { token, displayName = "Luz", password = GoodPassword }),
            HttpStatusCode.Gone, "invitation_used");
        await AssertRefusedAsync(await anonymous.PostAsJsonAsync("/invitations/inspect", new { token }), HttpStatusCode.Gone, "invitation_used");
        await AssertRefusedAsync(await anonymous.PostAsJsonAsync("/invitations/inspect", new { token = "made-up" }), HttpStatusCode.BadRequest, "invitation_invalid", "token");

        // The new admin signs in and sees the project, with its default queue; the demo project is not theirs.
        var (access, _) = await SignInAsync("luz@shop.example", GoodPassword);
        var admin = With(access);
        var people = (await admin.GetFromJsonAsync<PeopleView>($"/projects/{project.Id}/people"))!;
        Assert.Equal(["luz@shop.example"], people.Members.Select(m => m.Email));
        Assert.Single((await admin.GetFromJsonAsync<JsonElement[]>($"/projects/{project.Id}/queues"))!);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/projects/{Host.DemoProjectId}/people")).StatusCode);

        Assert.Equal(["project.create", "person.invite", "person.join"], await ActionsAsync(project.Id));
        var secrets = await Host.QueryAsync<string>("select coalesce(before::text, '') || coalesce(after::text, '') from ops.command_log where project_id = @Id", new { project.Id });
        Assert.DoesNotContain(secrets, s => s.Contains(token) || s.Contains(GoodPassword));
    }

    [Fact]
    public async Task Expired_revoked_and_replaced_invitations_open_nothing()
    {
        var (projectId, _, adminToken) = await NewProjectWithAdminAsync("Expiry shop");
        var admin = With(adminToken);
        async Task<OneTimeLink> InviteAsync(string email) =>
            (await (await admin.PostAsJsonAsync($"/projects/{projectId}/invitations", new { email, role = "agent" })).Content.ReadFromJsonAsync<OneTimeLink>())!;

        var expired = await InviteAsync("late@shop.example");
        await Host.ScalarAsync<object>("update core.one_time_links set expires_at = now() - interval '1 minute' where id = @Id", new { expired.Id });
        await AssertRefusedAsync(await Host.Anonymous().PostAsJsonAsync("/invitations/accept", new { token = TokenOf(expired), displayName = "Late", password = GoodPassword }),
            HttpStatusCode.Gone, "invitation_expired");

        var revoked = await InviteAsync("gone@shop.example");
        Assert.Contains((await admin.GetFromJsonAsync<PeopleView>($"/projects/{projectId}/people"))!.Invitations, i => i.Id == revoked.Id);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/projects/{projectId}/invitations/{revoked.Id}")).StatusCode);
        Assert.DoesNotContain((await admin.GetFromJsonAsync<PeopleView>($"/projects/{projectId}/people"))!.Invitations, i => i.Id == revoked.Id);
        await AssertRefusedAsync(await Host.Anonymous().PostAsJsonAsync("/invitations/inspect", new { token = TokenOf(revoked) }), HttpStatusCode.Gone, "invitation_expired");

        // A second invitation to the same address replaces the first: only the newest link works.
        var first = await InviteAsync("twice@shop.example");
        var second = await InviteAsync("twice@shop.example");
        await AssertRefusedAsync(await Host.Anonymous().PostAsJsonAsync("/invitations/inspect", new { token = TokenOf(first) }), HttpStatusCode.Gone, "invitation_expired");
        Assert.Equal(HttpStatusCode.OK, (await Host.Anonymous().PostAsJsonAsync("/invitations/inspect", new { token = TokenOf(second) })).StatusCode);

        // Someone already in the project is not invited again.
        var (_, adminEmail, _) = (projectId, (await admin.GetFromJsonAsync<PeopleView>($"/projects/{projectId}/people"))!.Members[0].Email, "");
        await AssertRefusedAsync(await admin.PostAsJsonAsync($"/projects/{projectId}/invitations", new { email = adminEmail, role = "agent" }),
            HttpStatusCode.BadRequest, "already_member", "email");
    }

    [Fact]
    public async Task An_existing_user_joins_a_second_project_with_their_own_password()
    {
        var (projectId, _, adminToken) = await NewProjectWithAdminAsync("Second home");
        var invited = await With(adminToken).PostAsJsonAsync($"/projects/{projectId}/invitations", new { email = "agent@demo.local", role = "agent" });
        var link = (await invited.Content.ReadFromJsonAsync<OneTimeLink>())!;
        var view = (await (await Host.Anonymous().PostAsJsonAsync("/invitations/inspect", new { token = TokenOf(link) })).Content.ReadFromJsonAsync<InvitationView>())!;
        Assert.True(view.ExistingUser);
        var accepted = await Host.Anonymous().PostAsJsonAsync("/invitations/accept", new { token = TokenOf(link) });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.False((await accepted.Content.ReadFromJsonAsync<AcceptedInvitation>())!.Created);
        var (access, _) = await SignInAsync("agent@demo.local", CoreHost.Password); // the password did not change
        var projects = await With(access).GetFromJsonAsync<JsonElement[]>("/projects");
        Assert.Contains(projects!, p => p.GetProperty("id").GetInt64() == projectId);
        Assert.Contains(projects!, p => p.GetProperty("id").GetInt64() == Host.DemoProjectId);
    }

    [Fact]
    public async Task A_role_change_applies_at_once_and_a_removed_member_is_refused_on_the_next_call()
    {
        var (projectId, _, adminToken) = await NewProjectWithAdminAsync("Roles shop");
        var admin = With(adminToken);
        var link = (await (await admin.PostAsJsonAsync($"/projects/{projectId}/invitations", new { email = "pablo@shop.example", role = "agent" }))
            .Content.ReadFromJsonAsync<OneTimeLink>())!;
        await Host.Anonymous().PostAsJsonAsync("/invitations/accept", new { token = TokenOf(link), displayName = "Pablo", password = GoodPassword });
        var (pabloToken, _) = await SignInAsync("pablo@shop.example", GoodPassword);
        var pablo = With(pabloToken);
        var pabloId = await Host.ScalarAsync<long>("select id from core.users where email = 'pablo@shop.example'");

        // An agent may not manage queues; as supervisor, at once, he may.
        Assert.Equal(HttpStatusCode.Forbidden, (await pablo.GetAsync($"/projects/{projectId}/queue-settings")).StatusCode);
        await AssertRefusedAsync(await admin.PatchAsJsonAsync($"/projects/{projectId}/people/{pabloId}", new { role = "boss" }), HttpStatusCode.BadRequest, "invalid_role", "role");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PatchAsJsonAsync($"/projects/{projectId}/people/{pabloId}", new { role = "supervisor" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await pablo.GetAsync($"/projects/{projectId}/queue-settings")).StatusCode);

        // An admin cannot remove herself or drop her own admin role (the project would be left without one).
        var adminId = await Host.ScalarAsync<long>("select user_id from core.project_members where project_id = @projectId and role = 'admin'", new { projectId });
        await AssertRefusedAsync(await admin.PostAsJsonAsync($"/projects/{projectId}/people/{adminId}/deactivate", new { }), HttpStatusCode.BadRequest, "own_account", "userId");
        await AssertRefusedAsync(await admin.PatchAsJsonAsync($"/projects/{projectId}/people/{adminId}", new { role = "agent" }), HttpStatusCode.BadRequest, "own_role", "role");

        // Removed: his next call is refused, every session of his is over, his refresh token is dead.
        Assert.Equal(HttpStatusCode.OK, (await pablo.GetAsync("/me")).StatusCode); // control: works before
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync($"/projects/{projectId}/people/{pabloId}/deactivate", new { reason = "left the shop" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await pablo.GetAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PatchAsJsonAsync($"/projects/{projectId}/people/{pabloId}", new { role = "agent" })).StatusCode);
        Assert.Equal(["project.create", "person.invite", "person.join", "person.invite", "person.join", "person.role", "person.deactivate"],
            await ActionsAsync(projectId));
    }

    [Fact]
    public async Task A_reset_link_sets_a_new_password_and_ends_every_session()
    {
        var (projectId, _, adminToken) = await NewProjectWithAdminAsync("Reset shop");
        var admin = With(adminToken);
        var link = (await (await admin.PostAsJsonAsync($"/projects/{projectId}/invitations", new { email = "rita@shop.example", role = "agent" }))
            .Content.ReadFromJsonAsync<OneTimeLink>())!;
        await Host.Anonymous().PostAsJsonAsync("/invitations/accept", new { token = TokenOf(link), displayName = "Rita", password = GoodPassword });
        var (ritaToken, _) = await SignInAsync("rita@shop.example", GoodPassword);
        var ritaId = await Host.ScalarAsync<long>("select id from core.users where email = 'rita@shop.example'");

        var reset = await admin.PostAsJsonAsync($"/projects/{projectId}/people/{ritaId}/password-reset", new { });
        Assert.Equal(HttpStatusCode.Created, reset.StatusCode);
        var resetLink = (await reset.Content.ReadFromJsonAsync<OneTimeLink>())!;
        Assert.StartsWith("http://localhost:5083/reset?token=", resetLink.Link);
        var token = TokenOf(resetLink);
        await AssertRefusedAsync(await Host.Anonymous().PostAsJsonAsync("/password-resets/complete", new { token, password = "tiny" }),
            HttpStatusCode.BadRequest, "password_too_short", "password");
        Assert.Equal(HttpStatusCode.OK, (await With(ritaToken).GetAsync("/me")).StatusCode); // control
        Assert.Equal(HttpStatusCode.NoContent, (await Host.Anonymous().PostAsJsonAsync("/password-resets/complete", new { token, password = "a brand new phrase here" })).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await With(ritaToken).GetAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Host.Anonymous().PostAsJsonAsync("/auth/login", new { email = "rita@shop.example", password = GoodPassword })).StatusCode);
        await SignInAsync("rita@shop.example", "a brand new phrase here");
        await AssertRefusedAsync(await Host.Anonymous().PostAsJsonAsync("/password-resets/complete", new { token, password = "another new phrase" }),
            HttpStatusCode.Gone, "reset_used");
    }

    [Fact]
    public async Task Own_password_change_keeps_this_session_and_ends_the_others_and_sessions_can_be_ended_one_by_one()
    {
        var (projectId, email, _) = await NewProjectWithAdminAsync("Sessions shop");
        var (laptop, _) = await SignInAsync(email, GoodPassword);
        var (phone, _) = await SignInAsync(email, GoodPassword);
        var (tablet, _) = await SignInAsync(email, GoodPassword);
        var me = With(laptop);

        var sessions = (await me.GetFromJsonAsync<SessionItem[]>("/me/sessions"))!;
        Assert.True(sessions.Length >= 4); // the sign-in of NewProjectWithAdminAsync, laptop, phone, tablet
        Assert.Single(sessions, s => s.Current);

        // End the phone's session only.
        var phoneSession = sessions.Where(s => !s.Current).OrderByDescending(s => s.Id).Skip(1).First().Id; // tablet is the newest, phone before it
        Assert.Equal(HttpStatusCode.OK, (await me.PostAsJsonAsync("/me/sessions/end", new { sessionId = phoneSession })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await With(phone).GetAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await With(tablet).GetAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await me.PostAsJsonAsync("/me/sessions/end", new { sessionId = 987654321 })).StatusCode);

        await AssertRefusedAsync(await me.PostAsJsonAsync("/me/password", new { currentPassword = "not it at all", newPassword = "my next long phrase" }),
            HttpStatusCode.BadRequest, "wrong_password", "currentPassword");
        await AssertRefusedAsync(await me.PostAsJsonAsync("/me/password", new { currentPassword = GoodPassword, newPassword = "short" }),
            HttpStatusCode.BadRequest, "password_too_short", "newPassword");
        Assert.Equal(HttpStatusCode.NoContent, (await me.PostAsJsonAsync("/me/password", new { currentPassword = GoodPassword, newPassword = "my next long phrase" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await me.GetAsync("/me")).StatusCode); // this session stays
        Assert.Equal(HttpStatusCode.Unauthorized, (await With(tablet).GetAsync("/me")).StatusCode);

        // Sign out everywhere else, then everywhere.
        var (other, _) = await SignInAsync(email, "my next long phrase");
        Assert.Equal(1, (await (await me.PostAsJsonAsync("/me/sessions/end", new { keepCurrent = true })).Content.ReadFromJsonAsync<EndedSessions>())!.Ended);
        Assert.Equal(HttpStatusCode.Unauthorized, (await With(other).GetAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await me.GetAsync("/me")).StatusCode);
        Assert.Equal(1, (await (await me.PostAsJsonAsync("/me/sessions/end", new { keepCurrent = false })).Content.ReadFromJsonAsync<EndedSessions>())!.Ended);
        Assert.Equal(HttpStatusCode.Unauthorized, (await me.GetAsync("/me")).StatusCode);
        Assert.Contains("user.password_change", await Host.QueryAsync<string>("select action from ops.command_log where target_kind = 'user'"));
        _ = projectId;
    }

    [Fact]
    public async Task An_archived_project_is_read_only_and_an_operator_helps_with_a_reason_on_record()
    {
        var (projectId, _, adminToken) = await NewProjectWithAdminAsync("Archive shop");
        var admin = With(adminToken);
        var op = await OperatorAsync();

        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"/projects/{projectId}/queues", new { name = "Before" })).StatusCode); // control
        Assert.Equal(HttpStatusCode.NoContent, (await op.PostAsJsonAsync($"/platform/projects/{projectId}/archive", new { reason = "shop closed" })).StatusCode);
        await AssertRefusedAsync(await admin.PostAsJsonAsync($"/projects/{projectId}/queues", new { name = "After" }), HttpStatusCode.Conflict, "project_archived");
        await AssertRefusedAsync(await admin.PostAsJsonAsync($"/projects/{projectId}/invitations", new { email = "x@shop.example", role = "agent" }),
            HttpStatusCode.Conflict, "project_archived");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/projects/{projectId}/queue-settings")).StatusCode); // reads still work
        Assert.NotNull((await op.GetFromJsonAsync<PlatformProject[]>("/platform/projects"))!.Single(p => p.Id == projectId).ArchivedAt);
        Assert.Equal(HttpStatusCode.NoContent, (await op.PostAsJsonAsync($"/platform/projects/{projectId}/unarchive", new { reason = "reopened" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"/projects/{projectId}/queues", new { name = "After" })).StatusCode);

        // Help mode: none without a reason; with one, the operator is the project's admin until it ends.
        Assert.Equal(HttpStatusCode.NotFound, (await op.GetAsync($"/projects/{projectId}/people")).StatusCode);
        await AssertRefusedAsync(await op.PostAsJsonAsync($"/platform/projects/{projectId}/help", new { reason = "" }), HttpStatusCode.BadRequest, "reason_required", "reason");
        Assert.Equal(HttpStatusCode.NoContent, (await op.PostAsJsonAsync($"/platform/projects/{projectId}/help", new { reason = "ticket 4411: queues broken" })).StatusCode);
        var people = (await op.GetFromJsonAsync<PeopleView>($"/projects/{projectId}/people"))!;
        Assert.NotNull(people.Members.Single(m => m.Email == Operator).HelpingUntil);
        Assert.Equal(HttpStatusCode.NoContent, (await op.PatchAsJsonAsync($"/platform/projects/{projectId}", new { name = "Archive shop (renamed)" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await op.PostAsJsonAsync($"/platform/projects/{projectId}/help/end", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await op.GetAsync($"/projects/{projectId}/people")).StatusCode);

        var actions = await ActionsAsync(projectId);
        Assert.Equal(["project.archive", "project.unarchive", "queue.create", "project.help", "project.rename", "project.help_end"], actions.Skip(4));
        var help = (await Host.QueryAsync<string>("select after::text from ops.command_log where project_id = @projectId and action = 'project.help'", new { projectId })).Single();
        Assert.Contains("ticket 4411", help);
    }
}
