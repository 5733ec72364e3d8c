using System.Net;
using System.Text.Json;
using Bunit;
using MultichannelMessages.Front.Components.Dashboards;

namespace MultichannelMessages.Front.Tests;

/// <summary>The dashboards' settings a supervisor edits: the funnel's stages (saved whole over the revision read) and
/// each queue's SLA target.</summary>
public sealed class DashboardSettingsTests() : ComponentTest("en")
{
    private const string Funnel = "/projects/3/dashboards/funnel";
    private FakeCoreApi _api = null!;

    private IRenderedComponent<DashboardSettings> Open(FakeCoreApi api)
    {
        _api = api;
        api.Register(Services);
        var cut = Render<DashboardSettings>(p => p.Add(s => s.ProjectId, 3).Add(s => s.Queues, [(4L, "Billing"), (5L, "Sales")]));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=funnel-add]")));
        return cut;
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    private static FakeCoreApi Existing() => new FakeCoreApi().On("GET " + Funnel,
        Json(new FunnelDefinition([new("contacted", "Contacted", "contacted"), new("replied", "Replied", "replied")], 3)));

    private (string Request, string Body)[] Sent(string method)
    {
        lock (_api.Requests) return [.. _api.Requests.Select((r, i) => (r, _api.Bodies[i])).Where(x => x.r.StartsWith(method + " ", StringComparison.Ordinal))];
    }

    [Fact]
    public void A_stage_added_named_and_moved_is_saved_with_the_funnel_in_order_over_the_revision_read()
    {
        var cut = Open(Existing().When(r => r == "PUT " + Funnel,
            (_, body) => Json(JsonSerializer.Deserialize<FunnelDefinition>(body, JsonSerializerOptions.Web)! with { Revision = 4 })));
        Assert.Equal(["contacted", "replied"], cut.FindAll("[data-testid=funnel-stage]").Select(s => s.GetAttribute("data-key")!).ToArray());

        cut.Find("[data-testid=funnel-add]").Click();
        cut.FindAll("[data-testid=funnel-label]")[2].Change("Qualified lead");
        cut.FindAll("[data-testid=funnel-kind]")[2].Change("tag");
        cut.FindAll("[data-testid=funnel-value]")[0].Change("7");
        cut.FindAll("[data-testid=funnel-up]")[2].Click();
        cut.Find("[data-testid=funnel-editor]").Submit();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=funnel-saved]")));
        var saved = JsonSerializer.Deserialize<FunnelDefinition>(Sent("PUT").Single().Body, JsonSerializerOptions.Web)!;
        Assert.Equal(3, saved.Revision);
        Assert.Equal([new("contacted", "Contacted", "contacted"), new("qualified_lead", "Qualified lead", "tag", "7"), new("replied", "Replied", "replied")],
            saved.Stages);
    }

    [Fact]
    public void A_refusal_is_shown_beside_its_stage_and_a_conflicting_save_says_to_reload()
    {
        var cut = Open(Existing().On("PUT " + Funnel, """{"code":"invalid_label","field":"stages[1].label"}""", HttpStatusCode.BadRequest));
        cut.FindAll("[data-testid=funnel-label]")[1].Change("");
        cut.Find("[data-testid=funnel-editor]").Submit();
        cut.WaitForAssertion(() => Assert.Equal("A stage needs a name of 1 to 60 characters.",
            cut.FindAll("[data-testid=funnel-stage]")[1].QuerySelector("[data-testid=funnel-stage-error]")!.TextContent));
        Assert.Null(cut.FindAll("[data-testid=funnel-stage]")[0].QuerySelector("[data-testid=funnel-stage-error]"));
        Assert.Empty(cut.FindAll("[data-testid=funnel-saved]"));

        _api.On("PUT " + Funnel, """{"code":"funnel_conflict"}""", HttpStatusCode.Conflict);
        cut.Find("[data-testid=funnel-editor]").Submit();
        cut.WaitForAssertion(() => Assert.Equal("Someone saved the funnel since you opened it: reload the page to see their changes.",
            cut.Find("[data-testid=funnel-error]").TextContent));
    }

    [Fact]
    public void A_queues_sla_target_is_saved_in_seconds_and_an_impossible_one_is_refused_before_any_request()
    {
        var cut = Open(Existing().When(r => r.StartsWith("PUT /projects/3/dashboards/queues/", StringComparison.Ordinal), (_, _) => ""));

        cut.Find("[data-testid=sla-minutes]").Change("0");
        cut.Find("[data-testid=sla-editor]").Submit();
        Assert.Equal("The target is between 1 minute and 7 days.", cut.Find("[data-testid=sla-error]").TextContent);
        Assert.Empty(Sent("PUT"));

        cut.Find("[data-testid=sla-queue]").Change("5");
        cut.Find("[data-testid=sla-minutes]").Change("30");
        cut.Find("[data-testid=sla-editor]").Submit();
        cut.WaitForAssertion(() => Assert.Equal("Sales: first response within 30 minutes.", cut.Find("[data-testid=sla-saved]").TextContent));
        var (request, body) = Sent("PUT").Single();
        Assert.Equal("PUT /projects/3/dashboards/queues/5/sla", request);
        Assert.Equal(1800, JsonDocument.Parse(body).RootElement.GetProperty("targetSeconds").GetInt32());
    }
}
