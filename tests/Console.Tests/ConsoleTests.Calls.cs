using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>
/// WhatsApp calls end to end with real WebRTC audio: the agent's console is one peer, and a second page plays the
/// customer's phone with Chromium's fake microphone (a tone), its SDP carried by the Meta sandbox. Audio is proven by
/// the peers' own statistics (bytes of audio received), never by the UI alone.
/// </summary>
public sealed partial class ConsoleTests
{
    // The customer's phone: one RTCPeerConnection with the fake microphone, its descriptions complete (no trickle).
    private const string PhoneScript = """
        window.phone = {
          open: async () => {
            const pc = new RTCPeerConnection({ iceServers: [] });
            const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
            mic.getTracks().forEach((t) => pc.addTrack(t, mic));
            pc.ontrack = (e) => { const a = new Audio(); a.srcObject = e.streams[0]; a.play().catch(() => {}); };
            window.phone.pc = pc;
            return pc;
          },
          complete: (pc) => new Promise((r) => {
            if (pc.iceGatheringState === "complete") return r();
            pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === "complete") r(); };
            setTimeout(r, 5000);
          }),
          offer: async () => {
            const pc = await window.phone.open();
            await pc.setLocalDescription(await pc.createOffer());
            await window.phone.complete(pc);
            return pc.localDescription.sdp;
          },
          answerTo: async (offer) => {
            const pc = await window.phone.open();
            await pc.setRemoteDescription({ type: "offer", sdp: offer });
            await pc.setLocalDescription(await pc.createAnswer());
            await window.phone.complete(pc);
            return pc.localDescription.sdp;
          },
          accept: (answer) => window.phone.pc.setRemoteDescription({ type: "answer", sdp: answer }),
          received: async () => {
            let n = 0;
            (await window.phone.pc.getStats()).forEach((r) => { if (r.type === "inbound-rtp" && r.kind === "audio") n += r.bytesReceived || 0; });
            return n;
          },
          hangUp: () => window.phone.pc.close(),
        };
        """;

    /// <summary>A person ready to take calls: signed in and online (the away and offline are not rung).</summary>
    private async Task<IPage> OnlineAsync(string email)
    {
        var page = await platform.SignInAsync(email);
        await page.GetByTestId("presence").SelectOptionAsync("online");
        await Expect(page.GetByTestId("presence")).ToHaveValueAsync("online");
        return page;
    }

    private HttpClient SandboxClient() => new() { BaseAddress = platform.Sandbox.BaseAddress };

    /// <summary>Calling and recording on for the demo number, pushed to the sandbox by the Worker (waited for).</summary>
    private async Task CallingOnAsync()
    {
        await DbAsync<object>("select core.set_feature(@ProjectId, 'calls', true)", new { platform.ProjectId });
        var accountId = await DbAsync<long>("select id from meta.accounts where external_id = @n", new { n = ConsolePlatform.WhatsAppNumber });
        var synced = await DbAsync<string?>("select sync_state from calls.settings where account_id = @accountId and calling_enabled and recording_enabled",
            new { accountId });
        if (synced is null)
            await DbAsync<bool>("select calls.save_settings(@ProjectId, @accountId, null, true, true, false, null, true, 30)",
                new { platform.ProjectId, accountId });
        using var sandbox = SandboxClient();
        for (var i = 0; i < 150; i++)
        {
            var settings = await sandbox.GetFromJsonAsync<JsonElement>($"/v21.0/{ConsolePlatform.WhatsAppNumber}/settings?access_token=console-graph-token");
            if (settings.GetProperty("calling").GetProperty("status").GetString() == "ENABLED") return;
            await Task.Delay(200);
        }
        throw new TimeoutException("The Worker did not push the calling settings to the sandbox.\n" + platform.Diagnostics());
    }

    /// <summary>The customer's phone: a page of its own (its own context, so its own microphone), on the sandbox's
    /// origin — a secure context for WebRTC without the console's Content-Security-Policy.</summary>
    private async Task<IPage> PhoneAsync()
    {
        var context = await platform.Browser.NewContextAsync(new() { Permissions = ["microphone"] });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(platform.Sandbox.BaseAddress, "/sandbox/calls").ToString());
        await page.EvaluateAsync(PhoneScript);
        return page;
    }

    private async Task<JsonElement> SandboxCallAsync(HttpClient sandbox, string callId, Func<JsonElement, bool> until, string what)
    {
        for (var i = 0; i < 150; i++)
        {
            var call = await sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/calls/{callId}");
            if (until(call)) return call;
            await Task.Delay(200);
        }
        throw new TimeoutException($"The sandbox's call {callId} never got {what}.\n" + platform.Diagnostics());
    }

    private static async Task WaitForAudioAsync(Func<Task<long>> received, string who)
    {
        for (var i = 0; i < 150; i++)
        {
            if (await received() > 2000) return;
            await Task.Delay(200);
        }
        throw new TimeoutException($"No audio reached {who}.");
    }

    private static Task<long> AgentReceivedAsync(IPage page, long callId) =>
        page.EvaluateAsync<long>("async id => (await mmCalls.stats(id))?.received ?? 0", callId.ToString());

    [BrowserFact]
    public Task Calls_a_customer_calls_two_agents_ring_one_answers_audio_flows_both_ways_and_the_thread_keeps_the_call_with_its_recording() => Diagnosed(async () =>
    {
        await CallingOnAsync();
        var agent = await OnlineAsync("agent@demo.local");
        var supervisor = await OnlineAsync("supervisor@demo.local");
        var phone = await PhoneAsync();
        using var sandbox = SandboxClient();
        try
        {
            // The customer calls with a real offer.
            var from = "3467123" + Random.Shared.Next(1000, 9999);
            var name = Unique("Rocío");
            var offer = await phone.EvaluateAsync<string>("() => phone.offer()");
            var placed = await sandbox.PostAsJsonAsync($"/sandbox/customers/{ConsolePlatform.WhatsAppNumber}/calls", new { from, name, sdp = offer });
            Assert.True(placed.IsSuccessStatusCode, await placed.Content.ReadAsStringAsync());
            var sandboxCallId = (await placed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("call_id").GetString()!;

            // Both consoles ring, with who is calling.
            var agentRing = agent.GetByTestId("ring-panel").Filter(new() { HasText = name });
            var supervisorRing = supervisor.GetByTestId("ring-panel").Filter(new() { HasText = name });
            await Expect(agentRing).ToBeVisibleAsync();
            await Expect(supervisorRing).ToBeVisibleAsync();
            await platform.ScreenshotAsync(agent, "calls-ringing");

            // The agent takes it; the supervisor's console stops ringing.
            await agentRing.GetByTestId("ring-accept").ClickAsync();
            var bar = agent.GetByTestId("call-bar");
            await Expect(bar).ToBeVisibleAsync();
            await Expect(supervisorRing).ToHaveCountAsync(0);
            await Expect(agent.GetByTestId("call-recording-notice")).ToBeVisibleAsync();
            var callId = long.Parse((await bar.GetAttributeAsync("data-call-id"))!);

            // The Worker gave Meta the browser's answer (pre_accept, accept); the phone takes it and the audio flows.
            var answered = await SandboxCallAsync(sandbox, sandboxCallId, c => c.GetProperty("answer").ValueKind == JsonValueKind.String, "the answer");
            await phone.EvaluateAsync("a => phone.accept(a)", answered.GetProperty("answer").GetString());
            await Expect(bar).ToHaveAttributeAsync("data-state", "connected");
            await WaitForAudioAsync(() => phone.EvaluateAsync<long>("() => phone.received()"), "the customer");
            await WaitForAudioAsync(() => AgentReceivedAsync(agent, callId), "the agent");
            await Expect(agent.GetByTestId("call-timer")).ToBeVisibleAsync();
            await platform.ScreenshotAsync(agent, "calls-in-call");

            // The customer hangs up: the bar goes, the recording is uploaded, the thread shows the call.
            await phone.EvaluateAsync("() => phone.hangUp()");
            (await sandbox.PostAsync($"/sandbox/calls/{sandboxCallId}/hangup", null)).EnsureSuccessStatusCode();
            await Expect(bar).ToHaveCountAsync(0);
            await Conversation(agent, name).ClickAsync();
            var card = agent.Locator($"[data-testid=call-event][data-call-id='{callId}']");
            await Expect(card).ToHaveAttributeAsync("data-outcome", "completed");
            await Expect(card.GetByTestId("call-event-duration")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+:\d\d$"));
            await Expect(card.GetByTestId("call-event-who")).ToContainTextAsync("Ana Agent");
            var recording = card.GetByTestId("call-event-recording");
            await Expect(recording).ToBeVisibleAsync();
            // The recording plays from the console (through the Front, with the session), and it is audio.
            var src = await recording.GetAttributeAsync("src");
            var audio = await agent.APIRequest.GetAsync(src!);
            Assert.Equal(200, audio.Status);
            Assert.StartsWith("audio/", audio.Headers["content-type"]);
            Assert.True((await audio.BodyAsync()).Length > 1000);
            await platform.ScreenshotAsync(agent, "calls-thread");

            // A declined call and one that fails on Meta's side show with their outcome.
            var declined = await sandbox.PostAsJsonAsync($"/sandbox/customers/{ConsolePlatform.WhatsAppNumber}/calls", new { from, name });
            var declinedId = (await declined.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("call_id").GetString()!;
            await agent.GetByTestId("ring-panel").Filter(new() { HasText = name }).GetByTestId("ring-decline").ClickAsync();
            await Expect(agent.GetByTestId("call-event").Filter(new() { Has = agent.GetByTestId("call-event-outcome").GetByText("Declined") }))
                .ToHaveCountAsync(1);
            await SandboxCallAsync(sandbox, declinedId, c => c.GetProperty("state").GetString() is "rejected" or "ended", "the rejection");

            var failing = await sandbox.PostAsJsonAsync($"/sandbox/customers/{ConsolePlatform.WhatsAppNumber}/calls", new { from, name });
            var failingId = (await failing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("call_id").GetString()!;
            await Expect(agent.GetByTestId("ring-panel").Filter(new() { HasText = name })).ToBeVisibleAsync();
            (await sandbox.PostAsJsonAsync($"/sandbox/calls/{failingId}/fail", new { code = 138021 })).EnsureSuccessStatusCode();
            await Expect(agent.GetByTestId("ring-panel").Filter(new() { HasText = name })).ToHaveCountAsync(0);
            var failed = agent.Locator("[data-testid=call-event][data-outcome]").Last;
            await Expect(failed.GetByTestId("call-event-error")).ToContainTextAsync("138021");
        }
        finally
        {
            await phone.Context.CloseAsync();
            await agent.Context.CloseAsync();
            await supervisor.Context.CloseAsync();
        }
    });

    [BrowserFact]
    public Task Calls_an_outbound_call_is_refused_without_permission_asks_for_it_and_once_granted_connects_with_audio() => Diagnosed(async () =>
    {
        await CallingOnAsync();
        var agent = await platform.SignInAsync("agent@demo.local");
        var phone = await PhoneAsync();
        using var sandbox = SandboxClient();
        try
        {
            var from = "3467124" + Random.Shared.Next(1000, 9999);
            var name = Unique("Matías");
            await platform.CustomerWritesAsync(from, name, Unique("¿Me podéis llamar?"));
            await Conversation(agent, name).ClickAsync();
            await Expect(agent.GetByTestId("thread-title")).ToHaveTextAsync(name);

            // No permission yet: the reason, and the request.
            await agent.GetByTestId("call-start").ClickAsync();
            var panel = agent.GetByTestId("call-permission");
            await Expect(panel).ToHaveAttributeAsync("data-can-call", "false");
            await Expect(panel.GetByTestId("call-permission-status")).ToHaveTextAsync("The customer has not given permission to be called.");
            await Expect(panel.GetByTestId("call-place")).ToHaveCountAsync(0);
            await panel.GetByTestId("call-request").ClickAsync();
            await Expect(panel.GetByTestId("call-request-pending")).ToBeVisibleAsync();
            await platform.ScreenshotAsync(agent, "calls-permission");

            // The customer's phone answers "yes" (the request reached it through the Worker and the outbox).
            HttpResponseMessage granted = null!;
            for (var i = 0; i < 100; i++)
            {
                granted = await sandbox.PostAsJsonAsync($"/sandbox/customers/{ConsolePlatform.WhatsAppNumber}/call-permission",
                    new { from, response = "accept", permanent = false });
                if (granted.IsSuccessStatusCode) break;
                await Task.Delay(200);
            }
            Assert.True(granted.IsSuccessStatusCode, await granted.Content.ReadAsStringAsync());
            (await sandbox.PostAsJsonAsync($"/sandbox/customers/{ConsolePlatform.WhatsAppNumber}/call-device", new { from, relayed = true }))
                .EnsureSuccessStatusCode();

            // The panel read again shows the permission; the call goes out with the browser's offer.
            for (var i = 0; i < 50 && await panel.GetAttributeAsync("data-can-call") != "true"; i++)
            {
                await agent.GetByTestId("call-start").ClickAsync(); // close
                await agent.GetByTestId("call-start").ClickAsync(); // open: reads the state again
                await Task.Delay(200);
            }
            await Expect(panel).ToHaveAttributeAsync("data-status", "temporary");
            await panel.GetByTestId("call-place").ClickAsync();
            var bar = agent.GetByTestId("call-bar");
            await Expect(bar).ToBeVisibleAsync();
            var callId = long.Parse((await bar.GetAttributeAsync("data-call-id"))!);

            // The phone (a relayed device) reads the business's offer from the sandbox, answers it and picks up.
            JsonElement ringing = default;
            for (var i = 0; i < 150 && ringing.ValueKind != JsonValueKind.Object; i++)
            {
                var calls = await sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/calls?account_id={ConsolePlatform.WhatsAppNumber}&user={from}");
                ringing = calls.EnumerateArray().FirstOrDefault(c => c.GetProperty("direction").GetString() is { } d
                    && d.Contains("BUSINESS", StringComparison.OrdinalIgnoreCase) && c.GetProperty("state").GetString() == "ringing");
                if (ringing.ValueKind != JsonValueKind.Object) await Task.Delay(200);
            }
            Assert.Equal(JsonValueKind.Object, ringing.ValueKind);
            var sandboxCallId = ringing.GetProperty("id").GetString()!;
            var answer = await phone.EvaluateAsync<string>("o => phone.answerTo(o)", ringing.GetProperty("offer").GetString());
            var session = await sandbox.PostAsJsonAsync($"/sandbox/calls/{sandboxCallId}/session", new { sdp = answer });
            Assert.True(session.IsSuccessStatusCode, await session.Content.ReadAsStringAsync());
            (await sandbox.PostAsync($"/sandbox/calls/{sandboxCallId}/answer", null)).EnsureSuccessStatusCode();

            await Expect(bar).ToHaveAttributeAsync("data-state", "connected");
            await WaitForAudioAsync(() => AgentReceivedAsync(agent, callId), "the agent");
            await WaitForAudioAsync(() => phone.EvaluateAsync<long>("() => phone.received()"), "the customer");

            // The agent hangs up; the thread keeps the outgoing call.
            await bar.GetByTestId("call-hangup").ClickAsync();
            await Expect(bar).ToHaveCountAsync(0);
            var card = agent.Locator($"[data-testid=call-event][data-call-id='{callId}']");
            await Expect(card).ToHaveAttributeAsync("data-outcome", "completed");
            await Expect(card).ToContainTextAsync("Outgoing call");
            await SandboxCallAsync(sandbox, sandboxCallId, c => c.GetProperty("state").GetString() == "ended", "the end");
        }
        finally
        {
            await phone.Context.CloseAsync();
            await agent.Context.CloseAsync();
        }
    });

    [BrowserFact]
    public Task Calls_the_switchboard_shows_a_ringing_call_live_to_an_admin_is_refused_to_an_agent_and_settings_save_call_hours_to_Meta() => Diagnosed(async () =>
    {
        await CallingOnAsync();
        var admin = await platform.SignInAsync("admin@demo.local");
        var agent = await OnlineAsync("agent@demo.local");
        using var sandbox = SandboxClient();
        try
        {
            // An agent may not open the switchboard (nor the settings): told so, shown nothing.
            await agent.GotoAsync($"/p/{platform.ProjectId}/m/calls?tab=switchboard");
            await Expect(agent.GetByTestId("calls-not-allowed")).ToBeVisibleAsync();
            await Expect(agent.GetByTestId("switchboard")).ToHaveCountAsync(0);
            await Expect(agent.GetByTestId("calls-tab-switchboard")).ToHaveCountAsync(0);

            await admin.GetByTestId("nav-calls").ClickAsync();
            var board = admin.GetByTestId("switchboard");
            await Expect(board).ToHaveAttributeAsync("data-loaded", "true");
            // The online agent is listed, free.
            var agentId = await DbAsync<long>("select id from core.users where email = 'agent@demo.local'");
            var person = board.Locator($"[data-testid=switchboard-person][data-user-id='{agentId}']");
            await Expect(person).ToHaveAttributeAsync("data-presence", "online");
            await Expect(person).ToHaveAttributeAsync("data-call-state", "idle");

            // A customer calls: the switchboard shows it ringing without a reload; the agent's console rings.
            var name = Unique("Lucía");
            var placed = await sandbox.PostAsJsonAsync($"/sandbox/customers/{ConsolePlatform.WhatsAppNumber}/calls",
                new { from = "3467125" + Random.Shared.Next(1000, 9999), name });
            Assert.True(placed.IsSuccessStatusCode, await placed.Content.ReadAsStringAsync());
            var row = board.GetByTestId("switchboard-call").Filter(new() { HasText = name });
            await Expect(row).ToHaveAttributeAsync("data-state", "ringing");
            await Expect(agent.GetByTestId("ring-panel").Filter(new() { HasText = name })).ToBeVisibleAsync();
            await platform.ScreenshotAsync(admin, "calls-switchboard");

            // The admin ends it from the switchboard: gone there and from the agent's console.
            await row.GetByTestId("switchboard-hangup").ClickAsync();
            await Expect(row).ToHaveCountAsync(0);
            await Expect(agent.GetByTestId("ring-panel").Filter(new() { HasText = name })).ToHaveCountAsync(0);

            // Settings: call hours whose closing is before the opening are refused beside the row; fixed, they reach Meta.
            await admin.GetByTestId("calls-tab-settings").ClickAsync();
            var settings = admin.GetByTestId("call-settings");
            await Expect(settings).ToHaveAttributeAsync("data-loaded", "true");
            await settings.GetByTestId("call-hours-limited").CheckAsync();
            await settings.GetByTestId("call-hours-zone").FillAsync("Europe/Madrid");
            var monday = settings.GetByTestId("call-hours-row").First;
            await monday.GetByTestId("call-hours-close").FillAsync("08:00");
            await settings.GetByTestId("call-settings-save").ClickAsync();
            await Expect(monday.GetByTestId("call-hours-error")).ToBeVisibleAsync();
            await Expect(settings.GetByTestId("call-settings-saved")).ToHaveCountAsync(0);
            await monday.GetByTestId("call-hours-close").FillAsync("23:59");
            // The other weekdays too, so customers can still call whenever this suite runs.
            var rows = settings.GetByTestId("call-hours-row");
            await Expect(rows).ToHaveCountAsync(5); // Monday to Friday to start from
            foreach (var (day, n) in new[] { ("SATURDAY", 5), ("SUNDAY", 6) })
            {
                await settings.GetByTestId("call-hours-add").ClickAsync();
                await Expect(rows).ToHaveCountAsync(n + 1);
                await rows.Nth(n).GetByTestId("call-hours-day").SelectOptionAsync(day);
            }
            for (var i = 0; i < 7; i++)
            {
                var r = settings.GetByTestId("call-hours-row").Nth(i);
                await r.GetByTestId("call-hours-open").FillAsync("00:00");
                await r.GetByTestId("call-hours-close").FillAsync("23:59");
            }
            await settings.GetByTestId("call-settings-save").ClickAsync();
            await Expect(settings.GetByTestId("call-settings-saved")).ToBeVisibleAsync();
            await Expect(settings.GetByTestId("call-hours-error")).ToHaveCountAsync(0);
            await platform.ScreenshotAsync(admin, "calls-settings");
            JsonElement hours = default;
            for (var i = 0; i < 150; i++)
            {
                var meta = await sandbox.GetFromJsonAsync<JsonElement>($"/v21.0/{ConsolePlatform.WhatsAppNumber}/settings?access_token=console-graph-token");
                if (meta.GetProperty("calling").TryGetProperty("call_hours", out hours) && hours.ValueKind == JsonValueKind.Object) break;
                await Task.Delay(200);
            }
            Assert.Equal("Europe/Madrid", hours.GetProperty("timezone_id").GetString());
            Assert.Equal(7, hours.GetProperty("weekly_operating_hours").GetArrayLength());
            await admin.ReloadAsync();
            await Expect(admin.GetByTestId("call-settings-sync")).ToHaveAttributeAsync("data-sync", "synced");
        }
        finally
        {
            // Back to calls at any time for the suite's other calls.
            await DbAsync<bool>("""
                select calls.save_settings(@ProjectId, (select id from meta.accounts where external_id = @n), null, true, true, false, null, true, 30)
                """, new { platform.ProjectId, n = ConsolePlatform.WhatsAppNumber });
            await admin.Context.CloseAsync();
            await agent.Context.CloseAsync();
        }
    });
}
