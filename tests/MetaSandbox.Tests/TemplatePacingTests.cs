using System.Net;
using System.Net.Http.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>Meta's template pacing: sends held for quality assessment, then released or dropped with the template
/// paused.</summary>
public class TemplatePacingTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    private async Task PaceAsync(string templateId, object body)
    {
        using var response = await host.Client.PostAsJsonAsync($"/sandbox/templates/{templateId}/pacing", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>A send the host is not holding, waited to delivered: whatever the held ones would have had by now
    /// they would have had.</summary>
    private async Task LaterSendDeliveredAsync()
    {
        var control = await host.SendTextAsync("15551100099", "control");
        await host.Receiver.WaitForStatusAsync(control, "delivered");
    }

    [Fact]
    public async Task A_template_send_answers_meta_s_shape_with_message_status_accepted()
    {
        using var response = await host.SendAsync(SandboxHost.Template("+1 555 110 0001", "plain_offer"));
        var json = await SandboxHost.JsonAsync(response);

        Assert.Equal("whatsapp", json.GetProperty("messaging_product").GetString());
        Assert.Equal("+1 555 110 0001", json.GetProperty("contacts")[0].GetProperty("input").GetString());
        Assert.Equal("15551100001", json.GetProperty("contacts")[0].GetProperty("wa_id").GetString());
        Assert.StartsWith("wamid.", json.GetProperty("messages")[0].GetProperty("id").GetString());
        Assert.Equal("accepted", json.GetProperty("messages")[0].GetProperty("message_status").GetString());
    }

    [Fact]
    public async Task Held_sends_answer_held_for_quality_assessment_and_get_their_statuses_when_released()
    {
        var templateId = await host.CreateApprovedTemplateAsync("paced_release", "MARKETING");
        await PaceAsync(templateId, new { hold = true });

        var held = await host.TrySendAsync(SandboxHost.Template("15551100002", "paced_release"));

        Assert.Equal((HttpStatusCode.OK, "held_for_quality_assessment"), (held.Status, held.MessageStatus));
        await LaterSendDeliveredAsync();
        Assert.Empty(host.Receiver.StatusesOf(held.Wamid!));
        var record = (await host.GetJsonAsync($"/sandbox/sent?id={Uri.EscapeDataString(held.Wamid!)}")).GetProperty("items")[0];
        Assert.Equal("held_for_quality_assessment", record.GetProperty("status").GetString());

        await PaceAsync(templateId, new { hold = false, outcome = "release" });

        await host.Receiver.WaitForStatusAsync(held.Wamid!, "sent");
        await host.Receiver.WaitForStatusAsync(held.Wamid!, "delivered");
        Assert.Equal("accepted", (await host.TrySendAsync(SandboxHost.Template("15551100003", "paced_release"))).MessageStatus);
    }

    [Fact]
    public async Task A_pause_after_pacing_pauses_the_template_turns_it_red_and_fails_every_held_message_with_132015()
    {
        var templateId = await host.CreateApprovedTemplateAsync("paced_pause", "MARKETING");
        await PaceAsync(templateId, new { hold = true });
        var first = await host.TrySendAsync(SandboxHost.Template("15551100004", "paced_pause"));
        var second = await host.TrySendAsync(SandboxHost.Template("15551100005", "paced_pause"));

        await PaceAsync(templateId, new { hold = false, outcome = "pause" });

        var paused = await host.Receiver.WaitForChangeAsync("message_template_status_update", SandboxHost.WabaId,
            v => v.GetProperty("message_template_id").GetInt64().ToString() == templateId && v.GetProperty("event").GetString() == "PAUSED");
        Assert.Equal("FIRST_PAUSE", paused.GetProperty("other_info").GetProperty("title").GetString());
        Assert.Equal("NONE", paused.GetProperty("reason").GetString());
        var quality = await host.Receiver.WaitForChangeAsync("message_template_quality_update", SandboxHost.WabaId,
            v => v.GetProperty("message_template_id").GetInt64().ToString() == templateId);
        Assert.Equal("RED", quality.GetProperty("new_quality_score").GetString());
        foreach (var held in new[] { first, second })
        {
            var failed = await host.Receiver.WaitForStatusAsync(held.Wamid!, "failed");
            Assert.Equal(132015, failed.ErrorCode);
        }
        var next = await host.TrySendAsync(SandboxHost.Template("15551100006", "paced_pause"));
        Assert.Equal((HttpStatusCode.BadRequest, 132015), (next.Status, next.Code));
    }

    [Fact]
    public async Task Pacing_needs_hold_and_a_known_outcome()
    {
        var templateId = await host.CreateApprovedTemplateAsync("paced_invalid", "UTILITY");

        using var noHold = await host.Client.PostAsJsonAsync($"/sandbox/templates/{templateId}/pacing", new { outcome = "release" });
        using var badOutcome = await host.Client.PostAsJsonAsync($"/sandbox/templates/{templateId}/pacing", new { hold = false, outcome = "shred" });
        using var unknown = await host.Client.PostAsJsonAsync("/sandbox/templates/1234567890123456/pacing", new { hold = true });

        Assert.Equal(HttpStatusCode.BadRequest, noHold.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badOutcome.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
