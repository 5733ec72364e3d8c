using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using MultichannelMessages.Contracts.Bots;
using MultichannelMessages.Platform.Bots;

namespace MultichannelMessages.Worker.Bots;

/// <summary>
/// One step of a claimed session: reads the customer's turn (every message not yet answered, as one turn: a burst or
/// an album with its caption), runs the flow (<see cref="FlowEngine"/>, pure) and commits what it decided in one
/// database call (bot.flow_commit): sends through the outbox, the session's new place, the audit row. The commit
/// re-checks the lease, the session's status and a person's lock under the session row's lock, so a person who took
/// over while the step ran wins, and the step's client message ids make a retried step send nothing twice.
/// Loop guard: a conversation the bot already wrote <see cref="FlowDefinition.MaxMessagesPerMinute"/> messages to in
/// the last minute is handed to people (guard_rate), as is a step of more than MaxStepsPerMessage nodes (guard_steps).
/// </summary>
public sealed class FlowRunner(FlowStore store, TimeProvider time)
{
    private sealed record InputRow(long Id, string Type, string? Text, string? ReplyId);

    public async Task<string> StepAsync(FlowClaim claim, string worker, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var flow = JsonSerializer.Deserialize<FlowDefinition>(claim.Definition, JsonSerializerOptions.Web)
                   ?? throw new InvalidOperationException("the flow version has no definition");
        var variables = JsonSerializer.Deserialize<Dictionary<string, string>>(claim.Variables) ?? [];
        var context = new FlowContext(claim.Channel, claim.ContactName, claim.ContactPhone, Attributes(claim.ContactAttributes), claim.InHours,
            claim.Language);
        var inputs = JsonSerializer.Deserialize<InputRow[]>(claim.Inputs, JsonSerializerOptions.Web) ?? [];
        var input = inputs.Length == 0
            ? null
            : new FlowInput(string.Join("\n", inputs.Select(i => i.Text).Where(t => !string.IsNullOrWhiteSpace(t))) is { Length: > 0 } text ? text : null,
                inputs.Select(i => i.ReplyId).LastOrDefault(r => r is not null));
        var state = new FlowState(claim.NodeId, claim.Phase, variables, claim.Retries);
        var now = time.GetUtcNow().UtcDateTime;

        FlowStep step;
        if (claim.Phase == FlowState.Input && input is null)
            step = now >= claim.ExpiresAt
                ? FlowEngine.Expire(flow, state, context)
                : new FlowStep(state, [], FlowOutcomes.Waiting, null, []);        // woken by a reaction or an edit: nothing to answer
        else if (claim.SentLastMinute >= Math.Clamp(flow.MaxMessagesPerMinute, 1, 60))
            step = FlowEngine.HandOff(flow, state, variables, [], [], "guard_rate", context, null);
        else
            // A timer's wake-up runs on: what the customer wrote during the wait is for people, not an answer.
            step = FlowEngine.Step(flow, state, claim.Phase == FlowState.Timer ? null : input, context);

        var expiry = TimeSpan.FromMinutes(Math.Clamp(flow.ExpiryMinutes, 5, 10_080));
        var status = step.Outcome switch
        {
            FlowOutcomes.Waiting or FlowOutcomes.Timer => "active",
            _ => step.Outcome,
        };
        var commit = new FlowCommit(claim.SessionId, claim.Seq + 1, step.State.NodeId, step.State.Phase,
            JsonSerializer.Serialize(step.State.Variables), step.State.Retries, step.Path.Count,
            inputs.Length == 0 ? claim.LastMessageId : inputs.Max(i => i.Id), status, step.Reason,
            step.TimerSeconds is { } seconds ? now.AddSeconds(seconds) : null,
            step.Outcome == FlowOutcomes.Expired ? null : now + expiry + TimeSpan.FromSeconds(step.TimerSeconds ?? 0),
            Actions(claim.Channel, step.Actions), [.. step.Path], inputs.Length == 0 ? null : inputs[^1].Id,
            (int)time.GetElapsedTime(started).TotalMilliseconds);
        return (await store.CommitAsync(worker, commit, ct)).Outcome;
    }

    /// <summary>The contact's attributes as text (numbers and booleans as written).</summary>
    private static Dictionary<string, string> Attributes(string json)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (JsonNode.Parse(json) is JsonObject o)
            foreach (var (key, value) in o)
                if (value is not null) result[key] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value.ToJsonString();
        return result;
    }

    /// <summary>The step's actions as bot.flow_commit reads them, each send already in its channel's shape.</summary>
    public static string Actions(string channel, IReadOnlyList<FlowAction> actions)
    {
        var array = new JsonArray();
        foreach (var action in actions)
            switch (action)
            {
                case FlowSend send:
                    foreach (var m in FlowMessages.Build(channel, send))
                        array.Add(new JsonObject
                        {
                            ["kind"] = "send", ["type"] = m.Type, ["body"] = m.Body,
                            ["payload"] = m.Payload is null ? null : JsonNode.Parse(m.Payload),
                        });
                    break;
                case FlowSendTemplate t:
                    var parameters = new JsonObject();
                    foreach (var (k, v) in t.Parameters) parameters[k] = v;
                    array.Add(new JsonObject { ["kind"] = "template", ["name"] = t.Name, ["language"] = t.Language, ["parameters"] = parameters });
                    break;
                case FlowSetAttribute a:
                    array.Add(new JsonObject { ["kind"] = "attribute", ["key"] = a.Key, ["value"] = a.Value });
                    break;
                case FlowHandOff h:
                    array.Add(new JsonObject { ["kind"] = "handoff", ["queueId"] = h.QueueId, ["reason"] = h.Reason });
                    break;
                case FlowStartAi ai:
                    array.Add(new JsonObject { ["kind"] = "ai", ["agentId"] = ai.AgentId });
                    break;
                case FlowResolve:
                    array.Add(new JsonObject { ["kind"] = "resolve" });
                    break;
            }
        return array.ToJsonString();
    }
}
