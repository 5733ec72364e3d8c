using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace MultichannelMessages.EndToEnd.Tests;

public sealed class ReceiveReplyDeliverTests(PlatformProcesses platform) : IClassFixture<PlatformProcesses>
{
    private sealed record Change(long Id, string Kind, long? ConversationId, long? MessageId, string? MessageStatus,
        string? MessageDirection, string? MessageBody);

    private Task<Change> NextAsync(ChannelReader<Change> changes, Func<Change, bool> match, string what) =>
        Calls.NextAsync(changes, match, what, platform.Diagnostics);

    /// <summary>The demo agent signed in, with a console connection that has joined the project.</summary>
    private async Task<(HttpClient Agent, HubConnection Console, ChannelReader<Change> Changes)> AgentWatchingAsync()
    {
        var (agent, token) = await platform.SignInAsync("agent@demo.local");
        var console = await platform.ConsoleAsync(token);
        var changes = Channel.CreateUnbounded<Change>();
        console.On<Change>("change", c => changes.Writer.TryWrite(c));
        await console.InvokeAsync<long>("JoinProject", platform.ProjectId);
        return (agent, console, changes.Reader);
    }

    /// <summary>A customer writes to the demo WhatsApp number (the sandbox signs and posts the webhook); the
    /// conversation it lands in, once pushed.</summary>
    private async Task<long> CustomerWritesAsync(HttpClient sandbox, ChannelReader<Change> changes, string from, string name, string text)
    {
        (await sandbox.PostAsJsonAsync("/sandbox/customers/1122334455667/messages", new { from, name, text })).EnsureSuccessStatusCode();
        var inbound = await NextAsync(changes, c => c.Kind == "message_created" && c.MessageBody == text, "inbound message");
        return inbound.ConversationId!.Value;
    }

    [Fact]
    public async Task Customer_message_reply_and_ticks_flow_through_every_service_and_are_pushed_live()
    {
        var (agent, console, changes) = await AgentWatchingAsync();
        await using var _ = console;

        // 1. A customer writes; Meta (the sandbox) signs and posts the webhook.
        using var sandbox = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress };
        var customerText = "Hola, ¿mi pedido 4711? " + Guid.NewGuid().ToString("N")[..6];
        var conversationId = await CustomerWritesAsync(sandbox, changes, "34655501234", "Lucía", customerText);

        var list = await agent.GetFromJsonAsync<JsonElement>($"/projects/{platform.ProjectId}/conversations");
        Assert.Contains(list.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetInt64() == conversationId
            && i.GetProperty("lastMessagePreview").GetString() == customerText);

        // 2. The agent replies: queued at once, then sent by the Worker, then delivered and read by the customer.
        var replyText = "Va en camino " + Guid.NewGuid().ToString("N")[..6];
        var reply = await agent.PostAsJsonAsync($"/conversations/{conversationId}/messages", new { text = replyText, clientMessageId = Guid.NewGuid().ToString() });
        reply.EnsureSuccessStatusCode();
        var messageId = (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetInt64();

        await NextAsync(changes, c => c.MessageId == messageId && c.MessageStatus == "queued", "queued reply");
        await NextAsync(changes, c => c.MessageId == messageId && c.MessageStatus == "delivered", "delivered tick");
        await NextAsync(changes, c => c.MessageId == messageId && c.MessageStatus == "read", "read tick");

        var sent = await sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/sent/count?text={Uri.EscapeDataString(replyText)}");
        Assert.Equal(1, sent.GetProperty("count").GetInt32());
        var thread = await agent.GetFromJsonAsync<JsonElement>($"/conversations/{conversationId}/messages");
        Assert.Contains(thread.GetProperty("items").EnumerateArray(), m => m.GetProperty("id").GetInt64() == messageId
            && m.GetProperty("status").GetString() == "read");
    }

    [Fact]
    public async Task A_send_Meta_took_after_the_Worker_timed_out_is_confirmed_by_its_status_and_not_sent_twice()
    {
        var (agent, console, changes) = await AgentWatchingAsync();
        await using var _ = console;

        using var sandbox = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress };
        var customerText = "¿Seguís abiertos? " + Guid.NewGuid().ToString("N")[..6];
        var conversationId = await CustomerWritesAsync(sandbox, changes, "34655507777", "Iker", customerText);

        // Meta holds the request past the Worker's 2 s timeout, then takes the message anyway.
        var fault = await sandbox.PostAsJsonAsync("/sandbox/faults", new { kind = "timeout", count = 1, delay_ms = 4_000, accept_after_timeout = true });
        fault.EnsureSuccessStatusCode();
        var faultId = (await fault.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var replyText = "Sí, hasta las 20 h " + Guid.NewGuid().ToString("N")[..6];
        var reply = await agent.PostAsJsonAsync($"/conversations/{conversationId}/messages", new { text = replyText, clientMessageId = Guid.NewGuid().ToString() });
        reply.EnsureSuccessStatusCode();
        var messageId = (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetInt64();

        // The Worker's answer never came; the status webhooks (carrying our message id as callback data) confirm the
        // send, and the ticks still arrive.
        await NextAsync(changes, c => c.MessageId == messageId && c.MessageStatus == "read", "read tick of the confirmed send");
        var sent = await sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/sent/count?text={Uri.EscapeDataString(replyText)}");
        Assert.Equal(1, sent.GetProperty("count").GetInt32());
        var thread = await agent.GetFromJsonAsync<JsonElement>($"/conversations/{conversationId}/messages");
        var message = thread.GetProperty("items").EnumerateArray().Single(m => m.GetProperty("id").GetInt64() == messageId);
        Assert.Equal("read", message.GetProperty("status").GetString());
        // The send met the fault: Meta (the sandbox) held it 4 s, twice the Worker's timeout, so the Worker's answer
        // never came and only the status could confirm it. (Read from the sandbox, not from the Worker's log, whose
        // output pipe can lag far behind on a loaded machine.)
        var faults = await sandbox.GetFromJsonAsync<JsonElement>("/sandbox/faults");
        Assert.Equal(1, faults.EnumerateArray().Single(f => f.GetProperty("id").GetString() == faultId).GetProperty("hits").GetInt32());

        // Well past the Worker's timeout, nothing was sent again.
        await Task.Delay(TimeSpan.FromSeconds(3));
        sent = await sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/sent/count?text={Uri.EscapeDataString(replyText)}");
        Assert.Equal(1, sent.GetProperty("count").GetInt32());
    }
}
