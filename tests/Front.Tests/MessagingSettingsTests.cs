using System.Net;
using System.Text.Json;
using Bunit;
using MultichannelMessages.Front.Components.Admin;
using MultichannelMessages.Front.Components.Initiation;

namespace MultichannelMessages.Front.Tests;

/// <summary>The Admin module's messaging rules, and picking an existing customer in the new-conversation dialog.</summary>
public sealed class MessagingSettingsTests() : ComponentTest("es")
{
    private const string Settings = """
        {"humanAgentTag":false,"defaultLanguage":"en","optOutKeywords":["baja","stop"],"optInKeywords":["alta"],"usesDefaultKeywords":true}
        """;

    [Fact]
    public void An_admin_saves_the_rules_with_one_keyword_per_line()
    {
        var api = new FakeCoreApi().On("/projects/3/messaging-settings", Settings)
            .On("PUT /projects/3/messaging-settings", """
                {"humanAgentTag":true,"defaultLanguage":"es","optOutKeywords":["baja","no mas"],"optInKeywords":["alta"],"usesDefaultKeywords":false}
                """);
        api.Register(Services);
        var cut = Render<MessagingRulesAdmin>(p => p.Add(a => a.ProjectId, 3).Add(a => a.CanEdit, true));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=admin-messaging]").GetAttribute("data-loaded")));
        Assert.Equal("baja\nstop", cut.Find("[data-testid=messaging-opt-out]").GetAttribute("value"));
        Assert.NotEmpty(cut.FindAll("[data-testid=messaging-defaults]"));

        cut.Find("[data-testid=messaging-human-agent]").Change(true);
        cut.Find("[data-testid=messaging-language]").Change("es");
        cut.Find("[data-testid=messaging-opt-out]").Change("baja\n  no mas \n\n");
        cut.Find("[data-testid=messaging-form]").Submit();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=messaging-saved]")));
        var body = JsonDocument.Parse(api.Bodies[api.Requests.IndexOf("PUT /projects/3/messaging-settings")]).RootElement;
        Assert.True(body.GetProperty("humanAgentTag").GetBoolean());
        Assert.Equal("es", body.GetProperty("defaultLanguage").GetString());
        Assert.Equal(["baja", "no mas"], body.GetProperty("optOutKeywords").EnumerateArray().Select(k => k.GetString()));
        Assert.Empty(cut.FindAll("[data-testid=messaging-defaults]"));
    }

    [Fact]
    public void A_keyword_in_both_lists_is_explained_beside_the_opt_in_list_in_spanish()
    {
        var api = new FakeCoreApi().On("/projects/3/messaging-settings", Settings)
            .On("PUT /projects/3/messaging-settings", """{"code":"keyword_in_both_lists","field":"optInKeywords","detail":"x"}""", HttpStatusCode.BadRequest);
        api.Register(Services);
        var cut = Render<MessagingRulesAdmin>(p => p.Add(a => a.ProjectId, 3).Add(a => a.CanEdit, true));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=admin-messaging]").GetAttribute("data-loaded")));
        cut.Find("[data-testid=messaging-opt-in]").Change("alta\nstop");
        cut.Find("[data-testid=messaging-form]").Submit();
        cut.WaitForAssertion(() => Assert.Equal("La misma palabra no puede dar de baja y de alta a un cliente.",
            cut.Find("[data-testid=messaging-opt-in-error]").TextContent));
        Assert.Contains("messaging-opt-in-error", cut.Find("[data-testid=messaging-opt-in]").GetAttribute("aria-describedby"));
        Assert.Empty(cut.FindAll("[data-testid=messaging-opt-out-error]"));
    }

    [Fact]
    public void The_time_zone_and_the_campaign_opt_in_rule_are_saved_and_a_wrong_zone_is_explained_beside_its_field()
    {
        var api = new FakeCoreApi().On("/projects/3/messaging-settings", Settings)
            .On("PUT /projects/3/messaging-settings", """{"code":"invalid_time_zone","field":"timeZone","detail":"x"}""", HttpStatusCode.BadRequest);
        api.Register(Services);
        var cut = Render<MessagingRulesAdmin>(p => p.Add(a => a.ProjectId, 3).Add(a => a.CanEdit, true));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=admin-messaging]").GetAttribute("data-loaded")));
        Assert.Equal("UTC", cut.Find("[data-testid=messaging-time-zone]").GetAttribute("value"));
        Assert.Contains(cut.FindAll("#messaging-time-zones option"), o => o.GetAttribute("value") == "America/Mexico_City");

        cut.Find("[data-testid=messaging-time-zone]").Change(" Mars/Olympus ");
        cut.Find("[data-testid=messaging-mass-opt-in]").Change(true);
        cut.Find("[data-testid=messaging-form]").Submit();
        cut.WaitForAssertion(() => Assert.Equal("Usa un nombre de zona horaria como Europe/Madrid o America/Mexico_City.",
            cut.Find("[data-testid=messaging-time-zone-error]").TextContent));
        var body = JsonDocument.Parse(api.Bodies[api.Requests.IndexOf("PUT /projects/3/messaging-settings")]).RootElement;
        Assert.Equal(("Mars/Olympus", true), (body.GetProperty("timeZone").GetString(), body.GetProperty("massRequiresOptIn").GetBoolean()));
        Assert.Empty(cut.FindAll("[data-testid=messaging-language-error]"));
    }

    [Fact]
    public void A_supervisor_sees_the_rules_but_cannot_save_them()
    {
        new FakeCoreApi().On("/projects/3/messaging-settings", Settings).Register(Services);
        var cut = Render<MessagingRulesAdmin>(p => p.Add(a => a.ProjectId, 3).Add(a => a.CanEdit, false));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=admin-messaging]").GetAttribute("data-loaded")));
        Assert.Empty(cut.FindAll("[data-testid=messaging-save]"));
        Assert.True(cut.Find("[data-testid=messaging-human-agent]").HasAttribute("disabled"));
        Assert.NotEmpty(cut.FindAll("[data-testid=messaging-read-only]"));
    }

    [Fact]
    public void Picking_an_existing_contact_sends_its_id_to_the_preflight_instead_of_a_phone()
    {
        var api = new FakeCoreApi()
            .On("/projects/3/accounts", """[{"id":7,"channel":"whatsapp","name":"Demo"},{"id":8,"channel":"messenger","name":"Page"}]""")
            .On("/projects/3/templates?status=APPROVED&accountId=7", """[{"id":40,"accountId":7,"name":"hola","language":"es","category":"UTILITY","status":"APPROVED","components":[]}]""")
            .On("/projects/3/contacts?q=ana&channel=whatsapp&limit=10", """
                [{"id":55,"channel":"whatsapp","displayName":"Ana López","externalId":"34600111222","phone":null,"language":"es"}]
                """)
            .On("POST /projects/3/initiations/preflight", """{"allPassed":true,"checks":[]}""");
        api.Register(Services);
        var cut = Render<NewConversation>(p => p.Add(a => a.ProjectId, 3));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=initiation-template] option[value='40']")));

        cut.Find("[data-testid=initiation-phone]").Input("ana");
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=initiation-contact-option]")));
        Assert.Contains("+34600111222", cut.Find("[data-testid=initiation-contact-option]").TextContent);
        cut.Find("[data-testid=initiation-contact-option]").Click();
        Assert.Equal("55", cut.Find("[data-testid=initiation-contact]").GetAttribute("data-contact-id"));
        Assert.Empty(cut.FindAll("[data-testid=initiation-phone]"));

        cut.Find("[data-testid=initiation-template]").Change("40");
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Contains("POST /projects/3/initiations/preflight", api.Requests));
        var body = JsonDocument.Parse(api.Bodies[api.Requests.IndexOf("POST /projects/3/initiations/preflight")]).RootElement;
        Assert.Equal(55, body.GetProperty("contactId").GetInt64());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("phone").ValueKind);

        // Changing the customer goes back to typing; a typed number is then sent as a phone.
        cut.Find("[data-testid=initiation-contact-clear]").Click();
        cut.Find("[data-testid=initiation-phone]").Input("+34600999888");
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Equal(2, api.Requests.Count(r => r == "POST /projects/3/initiations/preflight")));
        var second = JsonDocument.Parse(api.Bodies[api.Requests.LastIndexOf("POST /projects/3/initiations/preflight")]).RootElement;
        Assert.Equal("+34600999888", second.GetProperty("phone").GetString());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("contactId").ValueKind);
    }
}
