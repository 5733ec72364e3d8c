using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>The one access check runs before the endpoint reads the body (RbacMatrixTests covers every route; these
/// name the findings it closes).</summary>
public sealed class AccessTests(CoreHost host) : IClassFixture<CoreHost>
{
    [Fact]
    public async Task Access_is_checked_before_the_body_is_validated()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34960000001", "hi", host.GeneralQueueId);
        var invalid = new { attributes = new Dictionary<string, string>() };
        var url = $"/conversations/{conversation}/contact/attributes";

        // Before: the body was validated first and an outsider got 400, learning the conversation exists.
        var outsider = await (await host.As("outsider@other.local")).PatchAsJsonAsync(url, invalid);
        Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);
        var dev = await (await host.As("dev@demo.local")).PatchAsJsonAsync(url, invalid);
        Assert.Equal(HttpStatusCode.Forbidden, dev.StatusCode);
        Assert.Equal("forbidden", (await dev.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        // Positive control: the agent of the queue gets the validation answer.
        var agent = await (await host.As("agent@demo.local")).PatchAsJsonAsync(url, invalid);
        Assert.Equal(HttpStatusCode.BadRequest, agent.StatusCode);
        Assert.Equal("attributes_required", (await agent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_role_without_the_permission_is_told_which_permission_it_lacks()
    {
        var url = $"/projects/{host.DemoProjectId}/tags";
        var agent = await (await host.As("agent@demo.local")).PostAsJsonAsync(url, new { name = "vip", color = "#aabbcc" });
        Assert.Equal(HttpStatusCode.Forbidden, agent.StatusCode);
        Assert.Contains("(tags.manage)", (await agent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        var supervisor = await (await host.As("supervisor@demo.local")).PostAsJsonAsync(url, new { name = "vip", color = "#aabbcc" });
        Assert.Equal(HttpStatusCode.Created, supervisor.StatusCode);
    }
}
