using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MultichannelMessages.Contracts.People;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>The steps the people tests take through the API: an operator, a new project with its first admin joined by
/// link, signing in, and reading refusals and the command log.</summary>
public abstract class PeopleSteps(CoreHost host)
{
    protected CoreHost Host { get; } = host;

    protected const string Operator = "people-operator@platform.local";
    protected const string GoodPassword = "a long and private phrase";

    protected async Task<HttpClient> OperatorAsync()
    {
        await Host.ScalarAsync<object>("""
            select core.create_user(@Operator, 'Olga Operator', (select password_hash from core.users where email = 'admin@demo.local'));
            update core.users set is_operator = true where email = @Operator;
            """, new { Operator });
        return await Host.As(Operator);
    }

    protected static async Task<JsonElement> ProblemAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    protected static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string code, string? field = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode} {body}");
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(code, problem.GetProperty("code").GetString());
        if (field is not null) Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    protected static string TokenOf(OneTimeLink link) => Uri.UnescapeDataString(new Uri(link.Link).Query.Split("token=")[1]);

    protected async Task<(string AccessToken, string RefreshToken)> SignInAsync(string email, string password)
    {
        var response = await Host.Anonymous().PostAsJsonAsync("/auth/login", new { email, password });
        Assert.True(response.IsSuccessStatusCode, $"sign-in of {email}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("accessToken").GetString()!, body.GetProperty("refreshToken").GetString()!);
    }

    protected HttpClient With(string accessToken)
    {
        var client = Host.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    protected async Task<string[]> ActionsAsync(long projectId) => await Host.QueryAsync<string>(
        "select action from ops.command_log where project_id = @projectId order by id", new { projectId });

    /// <summary>The operator's first steps: a new project and its first admin, who joins through the link.</summary>
    protected async Task<(long ProjectId, string AdminEmail, string AdminToken)> NewProjectWithAdminAsync(string name)
    {
        var op = await OperatorAsync();
        var created = await op.PostAsJsonAsync("/platform/projects", new { name });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var project = (await created.Content.ReadFromJsonAsync<PlatformProject>())!;
        var email = $"admin-{Guid.NewGuid():N}@shop.example";
        var invited = await op.PostAsJsonAsync($"/platform/projects/{project.Id}/invitations", new { email, role = "admin" });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var link = (await invited.Content.ReadFromJsonAsync<OneTimeLink>())!;
        var accepted = await Host.Anonymous().PostAsJsonAsync("/invitations/accept", new { token = TokenOf(link), displayName = "Nora Admin", password = GoodPassword });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var (access, _) = await SignInAsync(email, GoodPassword);
        return (project.Id, email, access);
    }
}
