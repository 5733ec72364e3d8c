using System.Net;
using System.Text.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

public class TemplateTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    private static object Template(string name, string category = "UTILITY") => new
    {
        name,
        language = "en_US",
        category,
        components = new object[] { new { type = "BODY", text = "Your order {{1}} has shipped." } },
    };

    private async Task<JsonElement> CreateAsync(object template)
    {
        using var response = await host.GraphAsync(HttpMethod.Post, $"{SandboxHost.WabaId}/message_templates", template);
        return await SandboxHost.JsonAsync(response);
    }

    [Fact]
    public async Task Created_template_is_pending_then_approved_by_a_status_webhook()
    {
        var created = await CreateAsync(Template("order_shipped"));
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("PENDING", created.GetProperty("status").GetString());
        Assert.Equal("UTILITY", created.GetProperty("category").GetString());

        var webhook = await host.Receiver.WaitForAsync(w => w.Parsed.BusinessEvents.Any(e => e.TemplateId == id));
        var review = webhook.Parsed.BusinessEvents.Single(e => e.TemplateId == id);

        Assert.True(webhook.SignatureValid);
        Assert.Equal("template", review.Kind);
        Assert.Equal("message_template_status_update", review.Field);
        Assert.Equal("APPROVED", review.Event);
        Assert.Equal("order_shipped", review.TemplateName);
        Assert.Equal("en_US", review.Language);
        Assert.Equal(SandboxHost.WabaId, review.BusinessAccountId);
        Assert.NotNull(review.OccurredAt);

        var listed = await SandboxHost.JsonAsync(await host.GraphAsync(HttpMethod.Get, $"{SandboxHost.WabaId}/message_templates?name=order_shipped"));
        var template = listed.GetProperty("data").EnumerateArray().Single();
        Assert.Equal("APPROVED", template.GetProperty("status").GetString());
        Assert.Equal(id, template.GetProperty("id").GetString());
        Assert.Equal("BODY", template.GetProperty("components")[0].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Template_named_for_rejection_is_rejected_with_a_reason()
    {
        var id = (await CreateAsync(Template("please_reject_me", "MARKETING"))).GetProperty("id").GetString()!;

        var webhook = await host.Receiver.WaitForAsync(w => w.Parsed.BusinessEvents.Any(e => e.TemplateId == id));
        var review = webhook.Parsed.BusinessEvents.Single(e => e.TemplateId == id);

        Assert.Equal("REJECTED", review.Event);
        Assert.Equal("INVALID_FORMAT", review.Reason);
        var node = await SandboxHost.JsonAsync(await host.GraphAsync(HttpMethod.Get, id));
        Assert.Equal("REJECTED", node.GetProperty("status").GetString());
        Assert.Equal("INVALID_FORMAT", node.GetProperty("rejected_reason").GetString());
    }

    [Fact]
    public async Task Same_name_and_language_twice_is_refused_with_subcode_2388024()
    {
        await CreateAsync(Template("twice_created"));
        var error = (await CreateAsync(Template("twice_created"))).GetProperty("error");

        Assert.Equal(100, error.GetProperty("code").GetInt32());
        Assert.Equal(2388024, error.GetProperty("error_subcode").GetInt32());
    }

    [Theory]
    [InlineData("Bad Name", "UTILITY", "lowercase")]
    [InlineData("fine_name", "SPAM", "category must be one of")]
    public async Task Invalid_template_is_refused_with_code_100(string name, string category, string expected)
    {
        var error = (await CreateAsync(Template(name, category))).GetProperty("error");

        Assert.Equal(100, error.GetProperty("code").GetInt32());
        Assert.Contains(expected, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Templates_of_a_waba_are_refused_to_a_token_without_it()
    {
        using var response = await host.GraphAsync(HttpMethod.Get, $"{SandboxHost.WabaId}/message_templates", token: SandboxHost.OtherToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(100, (await SandboxHost.JsonAsync(response)).GetProperty("error").GetProperty("code").GetInt32());
    }
}
