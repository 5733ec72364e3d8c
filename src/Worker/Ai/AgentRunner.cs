using MultichannelMessages.Platform.Text;
using System.ClientModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using MultichannelMessages.Contracts.Ai;
using OpenAI.Chat;

namespace MultichannelMessages.Worker.Ai;

/// <summary>How a run ended, for the loop's counters and the tests.</summary>
public enum RunOutcome { Nothing, Answered, HandedOff, Resolved, Waiting, Stopped, Failed }

/// <summary>
/// One run of an agent on one claimed conversation: read the episode, apply the deterministic handoff rules (keywords,
/// too many turns), call the model with the agent's tools and the strict envelope (one repair for invalid output, then a
/// handoff), act through the database functions a person's actions go through, and audit every model call. The AI
/// state is re-checked by SQL right before each send, so a person who took over in the meantime wins.
/// </summary>
public sealed partial class AgentRunner(
    AiStore store,
    AiClients clients,
    AgentToolbox toolbox,
    Manual.ManualSearch manual,
    TimeProvider time,
    IOptions<AiOptions> options,
    ILogger<AgentRunner> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly AiOptions _options = options.Value;

    public async Task<RunOutcome> RunAsync(AiClaim claim, string worker, CancellationToken ct)
    {
        var run = new RunState(claim, worker, time);
        if (claim.AttemptCount > _options.MaxAttempts)
        {
            // Claimed more often than a run may fail: the Workers of the earlier claims stopped mid-run (their leases ran
            // out, nothing finished). A run that stops its Worker must not stop every Worker in turn: as after the last
            // failed attempt, a person takes the conversation, with the customer told, and the model is not called.
            LogRunAbandoned(logger, claim.ConversationId, claim.AttemptCount);
            var error = $"abandoned: claimed {claim.AttemptCount} times, every Worker stopped mid-run";
            run.Agent = claim.Definition is null ? null : JsonSerializer.Deserialize<AgentDefinition>(claim.Definition, Json);
            run.Context = await store.ContextAsync(claim.ConversationId); // the customer's language, and whether a person holds it
            var outcome = run.Agent is { } agent && run.Context is { LockedByPerson: false }
                ? await HandOffAsync(run, agent, "ai_unavailable", null, error) : RunOutcome.Failed;
            await store.FinishAsync(claim.ConversationId, worker, null, null, 0, error, null);
            return outcome;
        }
        try
        {
            var outcome = await RunCoreAsync(run, ct);
            await run.TurnIdAsync(); // a path that ended without an action row still has its turn on the audit
            await store.FinishAsync(claim.ConversationId, worker, run.Answered, run.NewMeasures.Count > 0 ? AgentPrompt.MeasuresJson(run.NewMeasures) : null,
                run.Turns, null, run.RetryMs);
            return outcome;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            // The provider failed (429, 5xx, a timeout), or this run did: the conversation comes back with backoff; after
            // the last attempt a person takes it, with the customer told. Never an endless retry.
            var error = Describe(ex);
            LogRunFailed(logger, claim.ConversationId, claim.AttemptCount, error);
            await SettleTurnAsync(run);
            if (claim.AttemptCount >= _options.MaxAttempts)
            {
                // Without a readable agent nobody can be told anything: the run stops until the customer writes again.
                if (run.Agent is { } agent) await HandOffAsync(run, agent, "ai_unavailable", null);
                await store.FinishAsync(claim.ConversationId, worker, run.Answered, null, run.Turns, error, null);
                return run.Agent is null ? RunOutcome.Failed : RunOutcome.HandedOff;
            }
            var delay = _options.RetryBaseMs * (int)Math.Pow(2, Math.Min(claim.AttemptCount - 1, 8));
            await store.FinishAsync(claim.ConversationId, worker, null, null, run.Turns, error, delay);
            return RunOutcome.Failed;
        }
    }

    /// <summary>An editor's test chat (bot.ai_test_runs): the scripted thread answered by the given definition exactly as
    /// a conversation would be (rules, manual, tools, envelope, repair, handoff), with the effects kept in the result:
    /// nothing is sent and no tool that writes runs. The model calls are audited with purpose "test" and spend the
    /// project's budget like any other.</summary>
    public async Task<AiTestOutcome> TestAsync(AiTestClaim test, string worker, CancellationToken ct)
    {
        var lines = JsonSerializer.Deserialize<AiTestLine[]>(test.Messages, Json) ?? [];
        var now = time.GetUtcNow().UtcDateTime;
        var thread = lines.Select((m, i) => new AiThreadMessage(i + 1, m.Role == "customer" ? "in" : "out", m.Role == "customer" ? "customer" : "agent",
            "text", m.Text, null, null, now.AddSeconds(i - lines.Length), null, null, null)).ToList();
        var lastAgent = thread.LastOrDefault(m => m.Author == "agent")?.MessageId;
        var claim = new AiClaim(0, test.ProjectId, test.AgentId, test.VersionId, test.Definition, "active", null, DateTime.MinValue,
            thread.Count(m => m.Author == "agent"), "{}", lastAgent, test.AttemptCount);
        var run = new RunState(claim, worker, time) { Test = true };
        string status = "done";
        string? error = null;
        try
        {
            var agent = run.Agent = JsonSerializer.Deserialize<AgentDefinition>(test.Definition, Json)!;
            run.Context = new AiContext(test.ProjectId, 0, "whatsapp", "open", null, null, "Test customer", null, "{}",
                await store.DefaultLanguageAsync(test.ProjectId), true, false);
            run.Answered = thread.LastOrDefault()?.MessageId;
            await AnswerAsync(run, agent, thread, [], unanswered: true, ct);
            await run.TurnIdAsync();
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            status = "failed";
            error = Describe(ex);
            await SettleTurnAsync(run);
        }
        return new AiTestOutcome(status, run.Action?.Split(':')[0], [.. run.Replies], run.HandoffReason,
            JsonSerializer.Serialize(run.ToolCalls.Select(t => new { name = t.Tool, arguments = t.Arguments, status = t.Status, result = t.Result }), Json),
            AgentPrompt.MeasuresJson(run.NewMeasures), JsonSerializer.Serialize(run.Envelope?.Citations ?? [], Json),
            run.Envelope is { } e ? (decimal)e.Confidence : null, error, run.TokensIn, run.TokensOut, run.ModelMs);
    }

    private sealed record AiTestLine(string Role, string Text);

    private async Task<RunOutcome> RunCoreAsync(RunState run, CancellationToken ct)
    {
        var claim = run.Claim;
        if (claim.Definition is null) return RunOutcome.Nothing; // the agent was unpublished: nothing runs
        var agent = run.Agent = JsonSerializer.Deserialize<AgentDefinition>(claim.Definition, Json)!;
        var inputs = await store.RunInputsAsync(claim, agent.Tools.Builtin, _options.ThreadMessages);
        var ctx = inputs.Context;
        if (ctx is null || ctx.LockedByPerson) return RunOutcome.Stopped;
        run.Context = ctx;
        var thread = inputs.Thread;
        var decided = inputs.Decided;
        // A run answering a decision on a tool answers the same customer message again: its messages get their own ids.
        run.Key = decided.Count == 0 ? "m" : "d" + string.Join(".", decided.Select(d => d.Id.ToString(CultureInfo.InvariantCulture)));
        var lastCustomer = thread.LastOrDefault(m => m.Author == "customer");
        var unanswered = lastCustomer is not null && lastCustomer.MessageId > (claim.LastAnsweredMessageId ?? 0);
        if (!unanswered && decided.Count == 0) return RunOutcome.Nothing;
        run.Answered = lastCustomer?.MessageId;
        var language = Language(ctx, agent);

        if (claim.State == "waiting" && claim.StateReason == "choose")
            return await ChooseAsync(run, agent, thread, language);
        return await AnswerAsync(run, agent, thread, decided, unanswered, ct, inputs);
    }

    /// <summary>The agent's answer to the thread: the deterministic handoff rules, then the model with its tools and the
    /// envelope, then the action. Shared by conversations and the editor's test chat (<see cref="RunState.Test"/>),
    /// whose effects stay in the run instead of reaching the database.</summary>
    private async Task<RunOutcome> AnswerAsync(RunState run, AgentDefinition agent, IReadOnlyList<AiThreadMessage> thread,
        IReadOnlyList<DecidedApproval> decided, bool unanswered, CancellationToken ct, AiRunInputs? inputs = null)
    {
        var claim = run.Claim;
        var ctx = run.Context!;
        var language = Language(ctx, agent);
        var provider = clients.For(claim.ProjectId, inputs is null ? await store.ProviderAsync(claim.ProjectId) : inputs.Provider, out var problem);
        if (provider is null || provider.Row.BudgetSpent)
            return await HandOffAsync(run, agent, provider is null ? problem ?? "no_provider" : "budget_spent", null);

        // Deterministic rules first: no model call is needed to see a keyword or count turns.
        var customerText = string.Join("\n", thread.Where(m => m.Author == "customer" && m.MessageId > (claim.LastAnsweredMessageId ?? 0))
            .Select(AgentPrompt.Render));
        if (unanswered && agent.Handoff.Rules.FirstOrDefault(r => r.Kind == "keywords" && Keywords.Any(r.Keywords ?? [], customerText)) is { } keywordRule)
            return await HandOffAsync(run, agent, "keywords", keywordRule);
        var maxTurns = agent.Handoff.Rules.Where(r => r.Kind == "max_turns" && r.MaxTurns is > 0).Select(r => r.MaxTurns!.Value)
            .Append(agent.MaxTurns).Min();
        if (unanswered && claim.Turns >= maxTurns)
            return await HandOffAsync(run, agent, "max_turns", agent.Handoff.Rules.FirstOrDefault(r => r.Kind == "max_turns"));

        // Decisions on risky tools: an approved call runs now, and the model hears how both kinds ended.
        var decisions = new List<string>();
        foreach (var approval in decided)
        {
            if (approval.Status == "approved")
            {
                var done = await toolbox.CallAsync(agent, Scope(run, null), approval.Tool, approval.Arguments, _ => Task.FromResult("[]"), approved: true, ct: ct);
                await store.ApprovalDoneAsync(approval.Id, done.Status == "done" ? "done" : "failed", ResultJson(done));
                decisions.Add($"A person approved the tool {approval.Tool} you asked for; it ran and returned: {done.Result}");
                run.ToolCalls.Add(done);
            }
            else
            {
                await store.ApprovalDoneAsync(approval.Id, "rejected", "{\"reason\":\"rejected\"}");
                decisions.Add($"A person rejected the tool {approval.Tool} you asked for: do not run it; tell the customer what you can do instead.");
            }
        }

        var passages = agent.Tools.Builtin.Contains("search_manual") || _options.ManualPassages > 0
            ? await manual.SearchAsync(provider, claim, customerText, _options.ManualPassages, ct, run.AddProviderMs)
            : [];
        var messages = AgentPrompt.Build(agent, ctx, claim.Measures, thread, passages, decisions);
        var offered = passages.Select(p => p.ChunkId).ToHashSet();
        var tools = await toolbox.ToolsAsync(agent, claim.ProjectId, inputs?.Lists);
        var chatOptions = new ChatCompletionOptions
        {
            Temperature = (float)agent.Temperature,
            MaxOutputTokenCount = 1_000,
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("agent_turn", BinaryData.FromString(AgentEnvelope.Schema(agent)),
                jsonSchemaIsStrict: true),
        };
        foreach (var tool in tools) chatOptions.Tools.Add(tool);
        if (tools.Count > 0) chatOptions.AllowParallelToolCalls = false;

        var chat = provider.Chat();
        Envelope? envelope = null;
        var repaired = false;
        string? lastProblem = null;
        for (var round = 0; round <= _options.MaxToolRounds + 1; round++)
        {
            var completion = await CompleteAsync(run, provider, chat, messages, chatOptions, ct);
            if (completion.FinishReason == ChatFinishReason.ToolCalls && completion.ToolCalls.Count > 0 && round < _options.MaxToolRounds)
            {
                messages.Add(new AssistantChatMessage(completion));
                foreach (var call in completion.ToolCalls)
                {
                    var record = await toolbox.CallAsync(agent, Scope(run, await run.TurnIdAsync()), call.FunctionName, call.FunctionArguments.ToString(),
                        async query =>
                        {
                            var found = await manual.SearchAsync(provider, claim, query, _options.ManualPassages, ct, run.AddProviderMs);
                            foreach (var f in found) offered.Add(f.ChunkId);
                            return JsonSerializer.Serialize(found.Select(f => new { id = f.ChunkId, document = f.DocumentName, f.Heading, f.Content }), Json);
                        }, approved: false, test: run.Test, ct);
                    run.ToolCalls.Add(record);
                    messages.Add(new ToolChatMessage(call.Id, record.Result));
                }
                continue;
            }
            var content = completion.Content.Count > 0 ? completion.Content[0].Text : null;
            envelope = AgentEnvelope.Parse(content, agent, offered, out lastProblem);
            run.LastEnvelope = content;
            if (envelope is not null || repaired) break;
            // One repair: the model is told what was wrong and asked again.
            repaired = true;
            messages.Add(new AssistantChatMessage(content ?? ""));
            // Our instruction, so a system message: the last user message stays the customer's.
            messages.Add(new SystemChatMessage("Your last output was not valid: " + lastProblem + ". Return only the JSON object of the required schema."));
        }
        run.Repaired = repaired;
        if (envelope is null)
            return await HandOffAsync(run, agent, "invalid_output", null, lastProblem);
        run.Envelope = envelope;
        foreach (var (key, value) in envelope.Measures) run.NewMeasures[key] = value;
        return await ActAsync(run, agent, envelope, language);
    }

    private async Task<RunOutcome> ActAsync(RunState run, AgentDefinition agent, Envelope envelope, string language)
    {
        var pendingApproval = run.ToolCalls.Any(t => t.Status == "pending_approval");
        var lowConfidence = agent.Handoff.Rules.FirstOrDefault(r => r.Kind == "low_confidence" && envelope.Confidence < (r.Threshold ?? 0.5));
        if (envelope.Action == "handoff")
        {
            var rule = agent.Handoff.Rules.FirstOrDefault(r => r.Kind == envelope.HandoffReason);
            return await HandOffAsync(run, agent, envelope.HandoffReason ?? "other", rule, fallbackMessages: envelope.Messages);
        }
        if (lowConfidence is not null && envelope.Action is "reply" or "ask" or "resolve")
            return await HandOffAsync(run, agent, "low_confidence", lowConfidence);

        var sent = await SendAllAsync(run, agent, envelope.Messages);
        await RecordActionAsync(run, sent ? envelope.Action : "stopped");
        if (!sent) return RunOutcome.Stopped;
        if (run.Test) return envelope.Action == "resolve" ? RunOutcome.Resolved : pendingApproval ? RunOutcome.Waiting : RunOutcome.Answered;
        if (pendingApproval) return RunOutcome.Waiting; // the state is already waiting (bot.ai_request_approval)
        if (envelope.Action == "resolve")
            return await store.ResolveAsync(run.Claim.ConversationId, run.Worker) == "resolved" ? RunOutcome.Resolved : RunOutcome.Stopped;
        if (run.Claim.State == "waiting")
            await store.SetWaitingAsync(run.Claim.ConversationId, run.Worker, "active", "answering");
        return envelope.Action == "wait" && envelope.Messages.Length == 0 ? RunOutcome.Nothing : RunOutcome.Answered;
    }

    /// <summary>Activation "ask": the customer chooses the assistant or a person. The first run asks; the next reads
    /// the answer (1 or 2, or the words).</summary>
    private async Task<RunOutcome> ChooseAsync(RunState run, AgentDefinition agent, IReadOnlyList<AiThreadMessage> thread, string language)
    {
        var asked = thread.Any(m => m.Author == "agent");
        var answer = thread.LastOrDefault(m => m.Author == "customer") is { } last ? AgentPrompt.Render(last) : "";
        if (asked)
        {
            var choice = ChoiceOf(answer);
            if (choice == "person")
                return await HandOffAsync(run, agent, "customer_chose_person", agent.Handoff.Rules.FirstOrDefault(r => r.Kind == "asks_for_person"));
            if (choice == "bot")
            {
                await store.SetWaitingAsync(run.Claim.ConversationId, run.Worker, "active", "customer_chose_agent");
                // What they wrote before the choice is answered by the next run, at once: nothing is marked answered.
                run.Answered = null;
                run.RetryMs = 0;
                return RunOutcome.Waiting;
            }
        }
        var question = language == "es"
            ? $"Hola, soy {agent.Persona.Name}, el asistente virtual. ¿Prefieres seguir conmigo o hablar con una persona? Responde 1 para el asistente o 2 para una persona."
            : $"Hi, I'm {agent.Persona.Name}, the virtual assistant. Would you like to continue with me or talk to a person? Reply 1 for the assistant or 2 for a person.";
        var (type, payload) = ChoiceButtons(run.Context!.Channel, question, language);
        return await SendAllAsync(run, agent, [question], type, payload) ? RunOutcome.Waiting : RunOutcome.Stopped;
    }

    /// <summary>The choice as two buttons: WhatsApp reply buttons, Messenger and Instagram quick replies. A tapped
    /// button arrives as its title, which <see cref="ChoiceOf"/> reads like typed words; typing 1 or 2 still works.</summary>
    public static (string Type, string Payload) ChoiceButtons(string channel, string question, string language)
    {
        var (bot, person) = language == "es" ? ("Asistente", "Una persona") : ("Assistant", "A person");
        object payload = channel == "whatsapp"
            ? new
            {
                interactive = new
                {
                    type = "button",
                    body = new { text = question },
                    action = new
                    {
                        buttons = new[]
                        {
                            new { type = "reply", reply = new { id = "ai_choice_bot", title = bot } },
                            new { type = "reply", reply = new { id = "ai_choice_person", title = person } },
                        },
                    },
                },
            }
            : new
            {
                message = new
                {
                    text = question,
                    quick_replies = new[]
                    {
                        new { content_type = "text", title = bot, payload = "ai_choice_bot" },
                        new { content_type = "text", title = person, payload = "ai_choice_person" },
                    },
                },
            };
        return (channel == "whatsapp" ? "interactive" : "text", JsonSerializer.Serialize(payload));
    }

    public static string? ChoiceOf(string answer)
    {
        var a = Keywords.Fold(answer).Trim();
        if (Regex.IsMatch(a, @"^\s*(2|dos|two)\b") || Keywords.Any(["person", "persona", "humano", "human", "agente", "agent", "asesor"], a)) return "person";
        if (Regex.IsMatch(a, @"^\s*(1|uno|one)\b") || Keywords.Any(["asistente", "assistant", "bot", "virtual", "contigo", "you"], a)) return "bot";
        return null;
    }

    private async Task<RunOutcome> HandOffAsync(RunState run, AgentDefinition agent, string reason, HandoffRule? rule, string? error = null,
        string[]? fallbackMessages = null)
    {
        var language = run.Context is { } ctx ? Language(ctx, agent) : "en";
        // The customer is always told (chatwoot #13881): the rule's message, else what the model wrote, else a default.
        string[] message = rule is { Message.Length: > 0 } ? [rule.Message]
            : fallbackMessages is { Length: > 0 } ? fallbackMessages
            : [language == "es" ? "Te paso con una persona del equipo, que seguirá contigo en breve." : "I'm passing you to a person from our team, who will continue shortly."];
        var sent = await SendAllAsync(run, agent, message);
        run.HandoffReason = reason;
        var result = !sent ? "stopped"
            : run.Test ? "handed_off"
            : await store.HandOffAsync(run.Claim.ConversationId, run.Worker, reason, agent.Handoff.QueueId);
        await RecordActionAsync(run, result == "handed_off" ? "handoff:" + reason : "stopped", error);
        if (result == "handed_off") LogHandedOff(logger, run.Claim.ConversationId, reason);
        return result == "handed_off" ? RunOutcome.HandedOff : RunOutcome.Stopped;
    }

    /// <summary>Sends each message; stops at the first the database refuses (a person took over, the lease is gone, the
    /// window closed). Client ids are fixed per answered customer message (and per tool decision answered), so a retried
    /// run never sends twice.</summary>
    private async Task<bool> SendAllAsync(RunState run, AgentDefinition agent, IReadOnlyList<string> messages, string type = "text",
        string? payload = null)
    {
        if (run.Test)
        {
            run.Replies.AddRange(messages);
            run.Sent += messages.Count;
            return true;
        }
        for (var i = 0; i < messages.Count; i++)
        {
            var clientId = string.Create(CultureInfo.InvariantCulture, $"ai:{run.Claim.ConversationId}:{run.Answered ?? 0}:{run.Key}:{run.Sent + i}");
            var outcome = await store.SendAsync(run.Claim.ConversationId, run.Worker, run.Claim.AgentId, clientId, messages[i], type, payload);
            if (outcome.Outcome is not ("sent" or "duplicate"))
            {
                LogSendRefused(logger, run.Claim.ConversationId, outcome.Outcome);
                run.Sent += i;
                return false;
            }
            if (outcome.MessageId is { } id) run.MessageIds.Add(id);
        }
        run.Sent += messages.Count;
        return true;
    }

    private async Task<ChatCompletion> CompleteAsync(RunState run, AiProvider provider, ChatClient chat, List<ChatMessage> messages,
        ChatCompletionOptions chatOptions, CancellationToken ct)
    {
        var overhead = (int)run.OverheadSoFar();
        var startedAt = time.GetTimestamp();
        ClientResult<ChatCompletion> result;
        try
        {
            result = await chat.CompleteChatAsync(messages, chatOptions, ct);
        }
        catch (ClientResultException ex)
        {
            await RecordTurnAsync(run, provider, provider.Row.ChatModel, 0, 0, (int)time.GetElapsedTime(startedAt).TotalMilliseconds, overhead, null,
                Describe(ex));
            await run.TurnIdAsync();
            throw;
        }
        var completion = result.Value;
        var modelMs = (int)time.GetElapsedTime(startedAt).TotalMilliseconds;
        run.ModelMs += modelMs;
        run.TokensIn += completion.Usage?.InputTokenCount ?? 0;
        run.TokensOut += completion.Usage?.OutputTokenCount ?? 0;
        await RecordTurnAsync(run, provider, completion.Model ?? provider.Row.ChatModel, completion.Usage?.InputTokenCount ?? 0,
            completion.Usage?.OutputTokenCount ?? 0, modelMs, overhead, completion, null);
        return completion;
    }

    /// <summary>Starts writing the model call's audit row and returns without waiting for it: the reply's send (or
    /// the next step) runs beside the write instead of after it, one database round trip less before the customer
    /// gets the answer. Whatever needs the row's id (a tool call, the action row, the next turn, the run's end) waits
    /// for it through <see cref="RunState.TurnIdAsync"/>, so a run never ends with its turn unwritten, and a failed
    /// write fails the run as before (its retry sends nothing twice: the sends' client ids are fixed).</summary>
    private async Task RecordTurnAsync(RunState run, AiProvider provider, string model, int tokensIn, int tokensOut, int modelMs, int overheadMs,
        ChatCompletion? completion, string? error)
    {
        await run.TurnIdAsync(); // one turn's write in flight at a time, in the order the calls were made
        var (cost, priced) = provider.Cost(provider.Row.ChatModel, tokensIn, tokensOut);
        run.Recording(WriteTurnAsync(new TurnRecord(run.Claim.ProjectId, run.Test ? null : run.Claim.ConversationId,
            run.Claim.AgentId, run.Claim.VersionId, run.Test ? "test" : "agent", model, tokensIn, tokensOut, modelMs, overheadMs, cost, priced,
            completion?.FinishReason == ChatFinishReason.ToolCalls ? "tool_calls" : null, null,
            completion is { Content.Count: > 0 } ? Envelopes.AsJson(completion.Content[0].Text) : null,
            completion is { ToolCalls.Count: > 0 }
                ? JsonSerializer.Serialize(completion.ToolCalls.Select(t => new { id = t.Id, name = t.FunctionName, arguments = t.FunctionArguments.ToString() }), Json)
                : "[]",
            "[]", [], false, error)));
        run.Turns = 1;
    }

    private async Task<long> WriteTurnAsync(TurnRecord turn) => (await store.RecordTurnAsync(turn)).TurnId;

    /// <summary>A failed run's turn write, waited for without letting its own failure hide the run's.</summary>
    private async Task SettleTurnAsync(RunState run)
    {
        try { await run.TurnIdAsync(); }
        catch (Exception ex) when (ex is not OutOfMemoryException) { LogTurnNotRecorded(logger, run.Claim.ConversationId, Describe(ex)); }
    }

    /// <summary>The action the run took, on the audit: a row that closes the run with the envelope, the tools' results,
    /// the citations and the messages sent (model time 0: no model was called for it).</summary>
    private async Task RecordActionAsync(RunState run, string action, string? error = null)
    {
        var turnId = await run.TurnIdAsync();
        run.OverheadMs = (int)run.OverheadSoFar();
        run.Action = action;
        if (run.Test) return; // the test run's own row holds the outcome (bot.finish_ai_test_run)
        await store.RecordActionAsync(turnId, run.Claim, action, run.Envelope is { } e ? (decimal)e.Confidence : null,
            Envelopes.AsJson(run.LastEnvelope), JsonSerializer.Serialize(run.ToolCalls, Json),
            JsonSerializer.Serialize(run.Envelope?.Citations ?? [], Json), [.. run.MessageIds], run.Repaired, error, run.OverheadMs);
    }

    private static ToolScope Scope(RunState run, long? turnId) => new(run.Claim.ProjectId, run.Claim.ConversationId, run.Claim.AgentId, run.Worker, turnId,
        string.Create(CultureInfo.InvariantCulture, $"ai:{run.Claim.ConversationId}:{run.Answered ?? 0}:{run.Key}:tool{run.ToolCalls.Count}"));

    private static string ResultJson(ToolCallRecord r) => Envelopes.AsJson(r.Result) ?? JsonSerializer.Serialize(new { text = r.Result });

    private static string Language(AiContext ctx, AgentDefinition agent)
    {
        var lang = (ctx.ContactLanguage ?? ctx.DefaultLanguage).Split('_')[0];
        return agent.Persona.Languages.Contains(lang) ? lang : agent.Persona.Languages.FirstOrDefault() ?? lang;
    }

    private static string Describe(Exception ex) => ex switch
    {
        ClientResultException c => string.Create(CultureInfo.InvariantCulture, $"provider answered {c.Status}: {Truncate(c.Message, 300)}"),
        _ => ex.GetType().Name + ": " + Truncate(ex.Message, 300),
    };

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];

    [LoggerMessage(700, LogLevel.Warning, "AI run of conversation {ConversationId} failed (attempt {Attempt}): {Error}")]
    private static partial void LogRunFailed(ILogger logger, long conversationId, int attempt, string error);

    [LoggerMessage(703, LogLevel.Error, "AI run of conversation {ConversationId} claimed {Attempts} times without finishing (its Workers stopped mid-run): handed to people")]
    private static partial void LogRunAbandoned(ILogger logger, long conversationId, int attempts);

    [LoggerMessage(701, LogLevel.Information, "AI agent handed conversation {ConversationId} to people: {Reason}")]
    private static partial void LogHandedOff(ILogger logger, long conversationId, string reason);

    [LoggerMessage(704, LogLevel.Warning, "AI run of conversation {ConversationId} failed, and its model call's audit row was not written either: {Error}")]
    private static partial void LogTurnNotRecorded(ILogger logger, long conversationId, string error);

    [LoggerMessage(702, LogLevel.Information, "AI send in conversation {ConversationId} refused: {Outcome}")]
    private static partial void LogSendRefused(ILogger logger, long conversationId, string outcome);

    /// <summary>What one run accumulates.</summary>
    private sealed class RunState(AiClaim claim, string worker, TimeProvider time)
    {
        private readonly long _started = time.GetTimestamp();
        public AiClaim Claim { get; } = claim;
        public string Worker { get; } = worker;
        public AgentDefinition? Agent { get; set; }
        public AiContext? Context { get; set; }
        public long? Answered { get; set; }
        public int Sent { get; set; }
        public string Key { get; set; } = "m";
        public int Turns { get; set; }
        private Task<long>? _turnWrite;
        private long? _lastTurnId;

        /// <summary>The model call's audit row being written (AgentRunner.RecordTurnAsync).</summary>
        public void Recording(Task<long> write) => _turnWrite = write;

        /// <summary>The id of the last model call's audit row, once it is written; null before any call.</summary>
        public async ValueTask<long?> TurnIdAsync()
        {
            if (_turnWrite is { } write)
            {
                _turnWrite = null;
                _lastTurnId = await write;
            }
            return _lastTurnId;
        }
        public List<long> MessageIds { get; } = [];
        public List<ToolCallRecord> ToolCalls { get; } = [];
        public Dictionary<string, string> NewMeasures { get; } = [];
        public Envelope? Envelope { get; set; }
        public string? LastEnvelope { get; set; }
        public bool Repaired { get; set; }
        public int ModelMs { get; set; }
        public int OverheadMs { get; set; }
        public int? RetryMs { get; set; }
        public int TokensIn { get; set; }
        public int TokensOut { get; set; }
        public string? Action { get; set; }
        public string? HandoffReason { get; set; }

        /// <summary>An editor's test chat: replies are collected here, nothing reaches a conversation, and no tool that
        /// writes runs (<see cref="AgentToolbox.CallAsync"/>).</summary>
        public bool Test { get; init; }
        public List<string> Replies { get; } = [];

        /// <summary>Time spent waiting on the provider outside chat completions (the manual query's embedding): not
        /// the Worker's own time, so not overhead either.</summary>
        public int ProviderMs { get; private set; }
        public void AddProviderMs(int ms) => ProviderMs += ms;

        /// <summary>The Worker's own time so far in this run, provider calls excluded (the turn's overhead on the audit).</summary>
        public double OverheadSoFar() => Math.Max(0, time.GetElapsedTime(_started).TotalMilliseconds - ModelMs - ProviderMs);
    }
}

/// <summary>Model output kept on the audit as JSON when it is JSON, else as a JSON string.</summary>
public static class Envelopes
{
    public static string? AsJson(string? text)
    {
        if (text is null) return null;
        try
        {
            using var _ = JsonDocument.Parse(text);
            return text;
        }
        catch (JsonException)
        {
            return JsonSerializer.Serialize(text);
        }
    }
}
