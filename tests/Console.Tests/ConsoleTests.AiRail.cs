using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>Issue 14 in the browser: a conversation an AI agent works, as the people beside it see and steer it — the
/// agent's state in the rail, a voice note's transcript arriving live under it, a risky tool call approved by a
/// supervisor, and the AI turned off with the other console seeing it at once.</summary>
public sealed partial class ConsoleTests
{
    private const string Transcript = "Hola, el pedido 4711 llegó con la caja rota, quiero la devolución";

    /// <summary>The conversation an agent of the project is working (seeded behind the services' back, as the Worker
    /// would leave it): waiting for a person to approve a refund, with its own reply and the customer's voice note,
    /// not transcribed yet. The agent is unpublished, so the test's Worker never runs it between the steps.</summary>
    private async Task<(long ConversationId, string AgentName, long ApprovalId, long VoiceNoteId)> SeedAiConversationAsync(IPage page, string name)
    {
        await platform.CustomerWritesAsync("3463330" + Random.Shared.Next(100000, 999999), name, "Quiero devolver el pedido 4711");
        await Expect(Conversation(page, name)).ToBeVisibleAsync();
        var conversationId = long.Parse((await Conversation(page, name).GetAttributeAsync("data-conversation-id"))!);
        var agentName = Unique("Devoluciones");
        var args = new { conversationId, project = platform.ProjectId, agentName };
        var agentId = await DbAsync<long>("insert into bot.ai_agents (project_id, name, draft) values (@project, @agentName, '{}') returning id", args);
        await DbAsync<object>("""
            insert into bot.ai_conversations (conversation_id, project_id, agent_id, state, state_reason, turns, measures)
            values (@conversationId, @project, @agentId, 'waiting', 'approval', 2, '{"intent": "refund"}')
            """, new { conversationId, project = platform.ProjectId, agentId });
        var approvalId = await DbAsync<long>("""
            insert into bot.ai_tool_approvals (project_id, conversation_id, tool, arguments)
            values (@project, @conversationId, 'refund_order', '{"order": "4711", "amount": 120}') returning id
            """, args);
        await DbAsync<object>("""
            insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, status, status_rank, occurred_at,
                                       sent_by_ai_agent_id)
            select project_id, id, account_id, 'out', 'text', 'Reviso el pedido 4711 ahora mismo.', 'sent', chat.status_rank('sent'), now(), @agentId
            from chat.conversations where id = @conversationId
            """, new { conversationId, agentId });
        var voiceNoteId = await DbAsync<long>("""
            insert into chat.messages (project_id, conversation_id, account_id, direction, type, status, status_rank, occurred_at)
            select project_id, id, account_id, 'in', 'audio', 'received', chat.status_rank('received'), now() + interval '1 second'
            from chat.conversations where id = @conversationId
            returning id
            """, args);
        return (conversationId, agentName, approvalId, voiceNoteId);
    }

    [BrowserFact]
    public Task The_ai_rail_shows_the_agent_and_a_transcript_live_a_supervisor_approves_the_risky_tool_and_turning_the_ai_off_shows_live() => Diagnosed(async () =>
    {
        var agent = await platform.SignInAsync("agent@demo.local");
        var name = Unique("AI rail");
        var (conversationId, agentName, approvalId, voiceNoteId) = await SeedAiConversationAsync(agent, name);

        await Conversation(agent, name).ClickAsync();
        var rail = agent.GetByTestId("rail-ai");
        await Expect(rail).ToHaveAttributeAsync("data-state", "waiting");
        await Expect(agent.GetByTestId("ai-state")).ToHaveTextAsync("Waiting");
        await Expect(agent.GetByTestId("ai-agent")).ToHaveTextAsync(agentName);
        await Expect(agent.GetByTestId("ai-reason")).ToContainTextAsync("a risky tool waits for approval");
        await Expect(agent.GetByTestId("ai-turns")).ToHaveTextAsync("2");
        await Expect(agent.GetByTestId("ai-approval-tool")).ToHaveTextAsync("refund_order");
        await Expect(agent.GetByTestId("ai-approval-arguments")).ToContainTextAsync("4711");
        // An agent may turn the AI off (ai.control) but not decide a risky call (ai.approve_tools): the supervisor below can.
        await Expect(agent.GetByTestId("ai-approval-waits")).ToBeVisibleAsync();
        await Expect(agent.GetByTestId("ai-approve")).ToHaveCountAsync(0);
        await Expect(agent.GetByTestId("ai-turn-off")).ToBeVisibleAsync();
        // The agent's reply says who wrote it; the customer's message does not.
        await Expect(Bubble(agent, "Reviso el pedido 4711").GetByTestId("ai-badge")).ToHaveTextAsync("AI · " + agentName);
        await Expect(Bubble(agent, "Quiero devolver").GetByTestId("ai-badge")).ToHaveCountAsync(0);

        // The voice note is there without its text; the Worker's transcription lands in the open thread without a reload.
        var voiceNote = agent.Locator($"[data-testid=bubble][data-message-id='{voiceNoteId}']");
        await Expect(voiceNote).ToBeVisibleAsync();
        await Expect(voiceNote.GetByTestId("ai-text")).ToHaveCountAsync(0);
        await DbAsync<object>("""
            insert into bot.ai_media_jobs (message_id, kind, project_id, locked_by, locked_until)
            values (@voiceNoteId, 'transcript', @project, 'console-test', now() + interval '10 minutes')
            """, new { voiceNoteId, project = platform.ProjectId });
        Assert.True(await DbAsync<bool>("select bot.complete_ai_media_job(@voiceNoteId, 'transcript', 'console-test', @Transcript)",
            new { voiceNoteId, Transcript }));
        await Expect(voiceNote.GetByTestId("ai-text")).ToHaveAttributeAsync("data-kind", "transcript");
        await Expect(voiceNote.GetByTestId("ai-text-body")).ToHaveTextAsync(Transcript);

        // A supervisor approves the refund with a note: the row is approved, and the agent's rail drops the call live.
        var supervisor = await platform.SignInAsync("supervisor@demo.local");
        await Conversation(supervisor, name).ClickAsync();
        await Expect(supervisor.GetByTestId("ai-state")).ToHaveTextAsync("Waiting");
        await supervisor.GetByTestId("ai-approval-note").FillAsync("Dentro de la política de devoluciones");
        await supervisor.GetByTestId("rail-ai").ScrollIntoViewIfNeededAsync();
        await platform.ScreenshotAsync(supervisor, "console-ai-approval");
        await supervisor.GetByTestId("ai-approve").ClickAsync();
        await Expect(supervisor.GetByTestId("ai-approval")).ToHaveCountAsync(0);
        await Expect(agent.GetByTestId("ai-approval")).ToHaveCountAsync(0);
        Assert.Equal("approved|Dentro de la política de devoluciones", await DbAsync<string>(
            "select status || '|' || decision_note from bot.ai_tool_approvals where id = @approvalId", new { approvalId }));

        // The agent turns the AI off: both consoles show it off, the supervisor's without a reload, saying who did it.
        await agent.GetByTestId("ai-turn-off").ClickAsync();
        await Expect(agent.GetByTestId("ai-state")).ToHaveTextAsync("Off");
        await Expect(agent.GetByTestId("ai-give-back")).ToBeVisibleAsync();
        await Expect(agent.GetByTestId("ai-turn-off")).ToHaveCountAsync(0);
        await Expect(supervisor.GetByTestId("rail-ai")).ToHaveAttributeAsync("data-state", "off");
        await Expect(supervisor.GetByTestId("ai-reason")).ToContainTextAsync("turned off · Ana Agent");
        Assert.Equal("off|turned_off", await DbAsync<string>(
            "select state || '|' || state_reason from bot.ai_conversations where conversation_id = @conversationId", new { conversationId }));

        await rail.ScrollIntoViewIfNeededAsync();
        await platform.ScreenshotAsync(agent, "console-ai-rail");
        await supervisor.Context.CloseAsync();
        await agent.Context.CloseAsync();
    });
}
