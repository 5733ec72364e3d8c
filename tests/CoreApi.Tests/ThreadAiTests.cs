using System.Net.Http.Json;
using MultichannelMessages.Contracts.Conversations;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>The thread as the console reads it carries what AI made of a file (a voice note's transcript) once the
/// Worker wrote it, with a push that says so, and names the AI agent that wrote a reply.</summary>
public sealed class ThreadAiTests(CoreHost host) : IClassFixture<CoreHost>
{
    private async Task<MessageItem[]> ThreadAsync(long conversation) =>
        (await (await host.As("agent@demo.local")).GetFromJsonAsync<Page<MessageItem>>($"/conversations/{conversation}/messages"))!.Items;

    [Fact]
    public async Task A_voice_note_reads_with_its_transcript_once_the_worker_wrote_it_and_the_consoles_are_told()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34955550001", "", host.GeneralQueueId);
        var voiceNote = await host.ScalarAsync<long>("select id from chat.messages where conversation_id = @conversation", new { conversation });
        await host.ScalarAsync<object>("update chat.messages set type = 'audio', body = null where id = @voiceNote", new { voiceNote });
        // The control: before the Worker transcribed it, the thread has no text for it.
        var before = Assert.Single(await ThreadAsync(conversation));
        Assert.Equal((voiceNote, "audio", (string?)null, (string?)null), (before.Id, before.Type, before.AiText, before.AiTextKind));

        // The Worker's own completion: the text lands on the message, and a message_updated change names it.
        await host.ScalarAsync<object>("""
            insert into bot.ai_media_jobs (message_id, kind, project_id, locked_by, locked_until)
            values (@voiceNote, 'transcript', @DemoProjectId, 'w-test', now() + interval '1 minute')
            """, new { voiceNote, host.DemoProjectId });
        Assert.True(await host.ScalarAsync<bool>("select bot.complete_ai_media_job(@voiceNote, 'transcript', 'w-test', 'Mi pedido llegó roto')",
            new { voiceNote }));
        Assert.Equal(voiceNote, await host.ScalarAsync<long>(
            "select message_id from ops.change_feed where kind = 'message_updated' and conversation_id = @conversation order by id desc limit 1",
            new { conversation }));

        var after = Assert.Single(await ThreadAsync(conversation));
        Assert.Equal(("Mi pedido llegó roto", "transcript"), (after.AiText, after.AiTextKind));
        Assert.Null(after.SentByAiAgentId);
        // The one-message read the console uses after the push says the same.
        var one = (await (await host.As("agent@demo.local")).GetFromJsonAsync<MessageItem>($"/conversations/{conversation}/messages/{voiceNote}"))!;
        Assert.Equal(("Mi pedido llegó roto", "transcript"), (one.AiText, one.AiTextKind));
    }

    [Fact]
    public async Task A_reply_written_by_an_ai_agent_names_the_agent_and_a_persons_reply_does_not()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34955550002", "¿Dónde está mi pedido?", host.GeneralQueueId);
        var agentId = await host.ScalarAsync<long>("""
            insert into bot.ai_agents (project_id, name, draft) values (@DemoProjectId, 'Pedidos IA', '{}') returning id
            """, new { host.DemoProjectId });
        await host.ScalarAsync<object>("""
            insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, status, status_rank, occurred_at,
                                       sent_by_ai_agent_id)
            select project_id, id, account_id, 'out', 'text', @body, 'sent', chat.status_rank('sent'), now() + make_interval(secs => @n), @agent
            from chat.conversations where id = @conversation
            """, new { conversation, body = "Lo reviso ahora mismo", n = 1, agent = (long?)agentId });
        // The control: a reply nobody's agent wrote, in the same thread.
        await host.ScalarAsync<object>("""
            insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, status, status_rank, occurred_at,
                                       sent_by_ai_agent_id)
            select project_id, id, account_id, 'out', 'text', @body, 'sent', chat.status_rank('sent'), now() + make_interval(secs => @n), @agent
            from chat.conversations where id = @conversation
            """, new { conversation, body = "Soy Ana, te ayudo yo", n = 2, agent = (long?)null });

        var thread = await ThreadAsync(conversation);
        Assert.Equal(3, thread.Length);
        var byAi = thread.Single(m => m.Body == "Lo reviso ahora mismo");
        Assert.Equal((agentId, "Pedidos IA"), (byAi.SentByAiAgentId, byAi.SentByAiAgentName));
        var byPerson = thread.Single(m => m.Body == "Soy Ana, te ayudo yo");
        Assert.Equal(((long?)null, (string?)null), (byPerson.SentByAiAgentId, byPerson.SentByAiAgentName));
        Assert.Null(thread.Single(m => m.Direction == "in").SentByAiAgentName);
    }
}
