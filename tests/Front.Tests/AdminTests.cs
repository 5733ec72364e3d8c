using System.Net;
using Bunit;
using MultichannelMessages.Front.Components.Admin;

namespace MultichannelMessages.Front.Tests;

/// <summary>The Admin page: what it lists, and refusals beside the field they are about, in the user's language.</summary>
public sealed class AdminTests() : ComponentTest("es")
{
    private FakeCoreApi Api() => new FakeCoreApi()
        .On("/projects/3/members", """[{"userId":1,"displayName":"Ana Agent","role":"agent"},{"userId":2,"displayName":"Sam Supervisor","role":"supervisor"}]""")
        .On("/projects/3/queue-settings", """[{"id":10,"name":"Billing","autoAssign":true,"maxOpenPerAgent":5,"members":1}]""")
        .On("/projects/3/queues/10/members", """[{"userId":1,"displayName":"Ana Agent","lastAssignedAt":null}]""")
        .On("/projects/3/routing-rules", """[{"id":4,"queueId":10,"position":0,"channel":null,"keyword":"factura","attributeKey":null,"attributeValue":null}]""");

    [Fact]
    public void Queues_members_and_rules_are_listed_and_only_non_members_can_be_added()
    {
        Api().Register(Services);
        var cut = Render<AdminPanel>(p => p.Add(a => a.ProjectId, 3));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=admin-panel]").GetAttribute("data-loaded")));
        var row = cut.Find("[data-testid=queue-row]");
        Assert.Equal("Billing", row.GetAttribute("data-name"));
        Assert.True(cut.Find("[data-testid=queue-auto]").HasAttribute("checked"));
        Assert.Equal("Ana Agent", cut.Find("[data-testid=queue-member]").TextContent.Replace("×", "").Trim());
        Assert.Equal(["", "2"], cut.FindAll("[data-testid=member-pick] option").Select(o => o.GetAttribute("value")));
        Assert.Contains("el cliente escribe «factura»", cut.Find("[data-testid=rule]").TextContent);
        Assert.Contains("Billing", cut.Find("[data-testid=rule]").TextContent);
    }

    [Fact]
    public void A_refused_queue_name_is_explained_beside_the_name_in_spanish()
    {
        var api = Api().On("POST /projects/3/queues", """{"code":"queue_exists","field":"name","detail":"A queue with that name already exists."}""", HttpStatusCode.BadRequest);
        api.Register(Services);
        var cut = Render<AdminPanel>(p => p.Add(a => a.ProjectId, 3));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=admin-panel]").GetAttribute("data-loaded")));

        cut.Find("[data-testid=new-queue-name]").Input("Billing");
        cut.Find("[data-testid=queue-create-form]").Submit();
        cut.WaitForAssertion(() => Assert.Equal("Ya existe una cola con ese nombre.", cut.Find("[data-testid=new-queue-name-error]").TextContent));
        Assert.Equal("new-queue-name-error", cut.Find("[data-testid=new-queue-name]").GetAttribute("aria-describedby"));
        Assert.Empty(cut.FindAll("[data-testid=new-queue-cap-error]"));
        Assert.Equal("Billing", cut.Find("[data-testid=new-queue-name]").GetAttribute("value"));
    }

    [Fact]
    public void A_rule_without_a_queue_is_refused_beside_the_queue_picker()
    {
        var api = Api().On("POST /projects/3/routing-rules", """{"code":"queue_required","field":"queueId","detail":"x"}""", HttpStatusCode.BadRequest);
        api.Register(Services);
        var cut = Render<AdminPanel>(p => p.Add(a => a.ProjectId, 3));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=admin-panel]").GetAttribute("data-loaded")));
        cut.Find("[data-testid=rule-keyword]").Change("reembolso");
        cut.Find("[data-testid=rule-form]").Submit();
        cut.WaitForAssertion(() => Assert.Equal("Elige la cola a la que envía la regla.", cut.Find("[data-testid=rule-queue-error]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=admin-error]"));
        Assert.Contains("POST /projects/3/routing-rules", api.Requests);
    }
}
