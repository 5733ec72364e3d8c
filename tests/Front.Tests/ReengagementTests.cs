using System.Net;
using Bunit;
using MultichannelMessages.Front.Components.Chats;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Tests;

/// <summary>Re-engaging a conversation whose window is closed: the template composer shows the pre-flight for the
/// chosen template, keeps Send disabled until every check passes, and reads a refusal's failed checks.</summary>
public sealed class ReengagementTests : ComponentTest
{
    private static readonly ConversationItem Conversation =
        new(1, "whatsapp", 1, "Demo", 1, "Ana", "346", null, null, "open", DateTime.UtcNow.AddDays(-2), "hi", "in", "text", 0, DateTime.UtcNow.AddDays(-2),
        DateTime.UtcNow.AddDays(-1));

    internal const string Context = """
        {"contactId":1,"channel":"whatsapp","displayName":"Ana","externalId":"346","bsuid":null,"phone":null,"firstSeenAt":"2030-01-01T00:00:00Z",
         "accountName":"Demo","conversationCreatedAt":"2030-01-01T00:00:00Z","status":"open","queueId":null,"assignedUserId":null,"history":[]}
        """;

    internal const string Templates = """
        [{"id":5,"accountId":1,"accountName":"Demo","wabaId":"w","name":"order_ready","language":"en","category":"UTILITY","parameterFormat":"positional",
          "components":[{"type":"BODY","text":"Hello {{1}}","example":{"body_text":[["Ana"]]}}],"variableSources":{},"status":"APPROVED",
          "rejectedReason":null,"statusDetail":null,"qualityScore":"UNKNOWN","metaTemplateId":"m5","createdBy":null,"createdByName":null,
          "createdAt":"2030-01-01T00:00:00Z","updatedAt":"2030-01-01T00:00:00Z","lastError":null}]
        """;

    internal static string Preflight(bool optIn) => $$"""
        {"allPassed":{{(optIn ? "true" : "false")}},"checks":[
          {"name":"window","passed":true,"code":"template_required","detail":{},"required":true},
          {"name":"opt_in","passed":{{(optIn ? "true" : "false")}},"code":"{{(optIn ? "opt_in_recorded" : "no_opt_in")}}","detail":{},"required":true},
          {"name":"consent","passed":true,"code":"not_withdrawn","detail":{},"required":true}]}
        """;

    internal static FakeCoreApi Api(bool optIn) => new FakeCoreApi()
        .On("/conversations/1/context", Context)
        .On("/projects/1/templates?status=APPROVED&accountId=1", Templates)
        .On("/projects/1/conversations/1/templates/5/autofill", """{"templateId":5,"values":[{"key":"1","source":"contact.first_name","value":"Ana","example":"Ana"}]}""")
        .On("/projects/1/conversations/1/templates/5/preflight", Preflight(optIn));

    internal static IRenderedComponent<Composer> Pick(BunitContext context)
    {
        var cut = context.Render<Composer>(p => p.Add(c => c.ProjectId, 1L).Add(c => c.Conversation, Conversation).Add(c => c.TemplateOnly, true));
        cut.WaitForElement("[data-testid=template-pick]").Change("5");
        cut.WaitForElement("[data-testid=template-checks]");
        return cut;
    }

    [Fact]
    public void A_closed_window_shows_the_failing_opt_in_and_keeps_Send_disabled_until_a_new_check_passes()
    {
        var api = Api(optIn: false);
        api.Register(Services);
        DetachedFeed.Register(Services); // the template composer's AI fill waits on the live feed
        var cut = Pick(this);

        var optIn = cut.Find("[data-testid=template-checks] [data-check=opt_in]");
        Assert.Equal("false", optIn.GetAttribute("data-passed"));
        Assert.Equal("No opt-in recorded for this customer and number", optIn.QuerySelector("[data-testid=check-reason]")!.TextContent);
        Assert.Equal(3, cut.FindAll("[data-testid=template-checks] [data-testid=check]").Count);
        Assert.True(cut.Find("[data-testid=template-send]").HasAttribute("disabled"));

        // The agent records the opt-in in the rail, then checks again: Send is allowed.
        api.On("/projects/1/conversations/1/templates/5/preflight", Preflight(optIn: true));
        cut.Find("[data-testid=template-recheck]").Click();
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=template-send]").HasAttribute("disabled")));
    }
}

public sealed class SpanishReengagementTests() : ComponentTest("es")
{
    [Fact]
    public void A_refused_send_lists_the_failed_checks_in_Spanish()
    {
        var api = ReengagementTests.Api(optIn: true).On("POST /projects/1/conversations/1/template", """
            {"status":409,"code":"preflight_failed","detail":"The customer cannot be messaged: opted_out.",
             "failed":[{"name":"consent","code":"opted_out","detail":{"lastSource":"keyword"}}]}
            """, HttpStatusCode.Conflict);
        api.Register(Services);
        DetachedFeed.Register(Services); // the template composer's AI fill waits on the live feed
        var cut = ReengagementTests.Pick(this);
        Assert.False(cut.Find("[data-testid=template-send]").HasAttribute("disabled"));

        cut.Find("[data-testid=template-send]").Click();

        cut.WaitForAssertion(() => Assert.Equal("Algunas comprobaciones previas no se cumplen; no se envió nada.",
            cut.Find("[data-testid=template-error]").TextContent));
        var consent = cut.Find("[data-testid=template-checks] [data-check=consent]");
        Assert.Equal("Sin baja", consent.QuerySelector("b")!.TextContent);
        Assert.Equal("El cliente se dio de baja", consent.QuerySelector("[data-testid=check-reason]")!.TextContent);
        Assert.True(cut.Find("[data-testid=template-send]").HasAttribute("disabled"));
    }
}
