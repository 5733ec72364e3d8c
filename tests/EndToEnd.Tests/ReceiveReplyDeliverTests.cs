using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace MultichannelMessages.EndToEnd.Tests;

public sealed class ReceiveReplyDeliverTests(PlatformProcesses platform) : IClassFixture<PlatformProcesses>
{
    private sealed record Change(long Id, string Kind, long? ConversationId, long? MessageId, string? MessageStatus,
        string? MessageDirection, string? MessageBody);

    private async Task<Change> NextAsync(ChannelReader<Change> changes, Func<Change, bool> match, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (true)
            {
                var change = await changes.ReadAsync(timeout.Token);
                if (match(change)) return change;
            }
        }
        catch (OperationCanceledException) { throw new TimeoutException($"no push within 30 s: {what}\n{platform.Diagnostics()}"); }
    }

    [Fact]
    public async Task Customer_message_reply_and_ticks_flow_through_every_service_and_are_pushed_live()
    {
        var (agent, token) = await platform.SignInAsync("agent@demo.local");
        await using var console = await platform.ConsoleAsync(token);
        var changes = Channel.CreateUnbounded<Change>();
        console.On<Change>("change", c => changes.Writer.TryWrite(c));
        await console.InvokeAsync<long>("JoinProject", platform.ProjectId);

        // 1. A customer writes; Meta (the sandbox) signs and posts the webhook.
        using var sandbox = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress };
        var customerText = "Hola, ¿mi pedido 4711? " + Guid.NewGuid().ToString("N")[..6];
        (await sandbox.PostAsJsonAsync("/sandbox/customers/1122334455667/messages", new { from = "34655501234", name = "Lucía", text = customerText }))
            .EnsureSuccessStatusCode();
        var inbound = await NextAsync(changes.Reader, c => c.Kind == "message_created" && c.MessageBody == customerText, "inbound message");
        var conversationId = inbound.ConversationId!.Value;

        var list = await agent.GetFromJsonAsync<JsonElement>($"/projects/{platform.ProjectId}/conversations");
        Assert.Contains(list.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetInt64() == conversationId
            && i.GetProperty("lastMessagePreview").GetString() == customerText);

        // 2. The agent replies: queued at once, then sent by the Worker, then delivered and read by the customer.
        var replyText = "Va en camino " + Guid.NewGuid().ToString("N")[..6];
        var reply = await agent.PostAsJsonAsync($"/conversations/{conversationId}/messages", new { text = replyText, clientMessageId = Guid.NewGuid().ToString() });
        reply.EnsureSuccessStatusCode();
        var messageId = (await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetInt64();

        await NextAsync(changes.Reader, c => c.MessageId == messageId && c.MessageStatus == "queued", "queued reply");
        await NextAsync(changes.Reader, c => c.MessageId == messageId && c.MessageStatus == "delivered", "delivered tick");
        await NextAsync(changes.Reader, c => c.MessageId == messageId && c.MessageStatus == "read", "read tick");

        var sent = await sandbox.GetFromJsonAsync<JsonElement>($"/sandbox/sent/count?text={Uri.EscapeDataString(replyText)}");
        Assert.Equal(1, sent.GetProperty("count").GetInt32());
        var thread = await agent.GetFromJsonAsync<JsonElement>($"/conversations/{conversationId}/messages");
        Assert.Contains(thread.GetProperty("items").EnumerateArray(), m => m.GetProperty("id").GetInt64() == messageId
            && m.GetProperty("status").GetString() == "read");
    }
}
