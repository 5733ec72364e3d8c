namespace MultichannelMessages.Contracts.Ai;

// AI agents on any OpenAI-compatible provider: the project's provider, agents (a draft document and immutable published
// versions), where they answer, the AI state of a conversation, risky tool approvals and the audit of every model turn.
// The agent document (AgentDefinition) is stored as JSON (bot.ai_agents.draft, bot.ai_agent_versions.definition) and
// read by the Worker, which runs it; docs/ai-agents.md.

/// <param name="BaseUrl">Any OpenAI-compatible endpoint, ending where OpenAI's /v1 does (https://api.openai.com/v1).</param>
/// <param name="HasApiKey">The key is write-only: it is stored encrypted and never read back.</param>
/// <param name="EmbeddingModel">Null: the manual is searched by full text alone.</param>
/// <param name="Prices">Model → price; a model without one costs 0 and its turns are marked unpriced.</param>
/// <param name="DailyBudgetUsd">AI work stops for the rest of the project's day once spent, with an alert; null: no budget.</param>
public sealed record AiProvider(string BaseUrl, bool HasApiKey, string ChatModel, string? VisionModel, string? TranscriptionModel,
    string? EmbeddingModel, int? EmbeddingDimensions, Dictionary<string, AiPrice> Prices, decimal? DailyBudgetUsd, bool Enabled,
    DateTime UpdatedAt, AiUsage Today);

/// <param name="ApiKey">Null keeps the stored key; an empty string removes it.</param>
public sealed record AiProviderRequest(string? BaseUrl, string? ApiKey, string? ChatModel, string? VisionModel, string? TranscriptionModel,
    string? EmbeddingModel, int? EmbeddingDimensions, Dictionary<string, AiPrice>? Prices, decimal? DailyBudgetUsd, bool? Enabled);

/// <param name="Input">USD per million input tokens.</param>
/// <param name="Output">USD per million output tokens.</param>
/// <param name="Minute">USD per audio minute (transcription models).</param>
public sealed record AiPrice(decimal? Input, decimal? Output, decimal? Minute);

/// <param name="BudgetLeftUsd">Null when the project has no daily budget.</param>
public sealed record AiUsage(DateOnly Day, decimal CostUsd, long TokensIn, long TokensOut, int Turns, decimal? BudgetLeftUsd);

/// <summary>
/// What an agent is: persona, measures, tools and handoff rules. Edited as a draft, run as a published version.
/// </summary>
/// <param name="DebounceSeconds">A customer's burst of messages is answered once, this long after the last one.</param>
/// <param name="MaxTurns">AI turns in one episode before the agent hands off (the handoff rule max_turns may lower it).</param>
public sealed record AgentDefinition(AgentPersona Persona, AgentMeasure[] Measures, AgentTools Tools, AgentHandoff Handoff,
    int DebounceSeconds = 3, int MaxTurns = 12, double Temperature = 0.2);

/// <param name="Instructions">The system prompt the business writes. Customer text never changes it.</param>
/// <param name="Tone">friendly, formal, concise… (free text, given to the model).</param>
/// <param name="Languages">ISO 639-1 codes the agent answers in; the customer's language when it is one of them, else the first.</param>
public sealed record AgentPersona(string Name, string Instructions, string? Tone, string[] Languages);

/// <param name="Key">snake_case, unique in the agent: the conversation attribute it is written to.</param>
/// <param name="Type">string, number, boolean or enum.</param>
/// <param name="Values">enum: the allowed values.</param>
/// <param name="Classification">Also shown as the conversation's classification (intent, sentiment, lead stage…).</param>
public sealed record AgentMeasure(string Key, string Type, string Description, string[]? Values, bool Classification = false);

/// <param name="Builtin">Built-in tools the agent may use: tag, set_attribute, classify, transfer_to_queue, send_template,
/// search_manual (reply, ask, hand off and resolve are the envelope's actions, always available).</param>
public sealed record AgentTools(string[] Builtin, CustomTool[] Custom);

/// <param name="Name">^[a-zA-Z0-9_-]{1,64}$ (OpenAI's limit on function names).</param>
/// <param name="Url">https URL of the business's system; {param} placeholders are filled from the arguments (escaped).
/// Its host must be in AllowedHosts, and it is fetched through the SSRF-safe fetcher.</param>
/// <param name="Method">GET (arguments as query) or POST (arguments as the JSON body).</param>
/// <param name="Parameters">JSON schema (an object) of the arguments, strict: the model must fill exactly it.</param>
/// <param name="Auth">none, bearer, api_key (header AuthHeader) or basic (AuthUser + the secret); the secret is stored
/// encrypted apart (PUT …/tools/{name}/secret) and never returned.</param>
/// <param name="Risk">read, write or risky: a risky tool waits for a person's approval in the console before it runs.</param>
public sealed record CustomTool(string Name, string Description, string Url, string Method, string Parameters, string Auth,
    string? AuthHeader, string? AuthUser, string Risk, string[] AllowedHosts, int TimeoutMs = 5_000);

/// <param name="QueueId">Where handed-off conversations go; null: they stay in their queue, unassigned.</param>
public sealed record AgentHandoff(long? QueueId, HandoffRule[] Rules);

/// <param name="Kind">asks_for_person, frustration, low_confidence, out_of_scope, max_turns, keywords.</param>
/// <param name="Message">What the customer is told when this rule hands off (never a silent handoff).</param>
/// <param name="Threshold">low_confidence: below this confidence (0–1).</param>
/// <param name="MaxTurns">max_turns: after this many AI turns in the episode.</param>
/// <param name="Keywords">keywords: any of these in the customer's message (whole words, case and accents ignored).</param>
/// <param name="Topics">out_of_scope: what the agent must not handle, in the business's words.</param>
public sealed record HandoffRule(string Kind, string Message, double? Threshold = null, int? MaxTurns = null, string[]? Keywords = null,
    string[]? Topics = null);

public sealed record AgentSummary(long Id, string Name, int DraftRevision, int? PublishedVersion, DateTime? PublishedAt, bool Archived,
    DateTime UpdatedAt);

/// <param name="Draft">The AgentDefinition being edited, as JSON.</param>
/// <param name="Published">The running version's definition, as JSON; null before the first publish.</param>
public sealed record AgentDetail(long Id, string Name, int DraftRevision, string Draft, int? PublishedVersion, string? Published,
    DateTime? PublishedAt, bool Archived, string[] ToolsWithSecret);

/// <param name="Revision">The draft revision the editor started from: a save over a newer one is refused (draft_conflict).</param>
public sealed record AgentDraftRequest(string? Name, AgentDefinition? Definition, int? Revision);

public sealed record AgentVersionItem(long Id, int Version, DateTime PublishedAt, long? PublishedBy, string? PublishedByName);

public sealed record ToolSecretRequest(string? Secret);

/// <param name="Hours">always, in_hours or out_of_hours (the project's business hours).</param>
/// <param name="First">bot, person or ask (the customer chooses).</param>
public sealed record AiActivation(long Id, long AgentId, string AgentName, long? AccountId, long? QueueId, string? Channel, string Hours,
    string First, bool Enabled);

public sealed record AiActivationRequest(long? AgentId, long? AccountId, long? QueueId, string? Channel, string? Hours, string? First, bool? Enabled);

/// <param name="State">active, waiting, handed_off, off or ended; none when no agent has this conversation.</param>
/// <param name="Measures">The measures extracted so far, as a JSON object.</param>
public sealed record ConversationAi(long ConversationId, string State, string? Reason, long? AgentId, string? AgentName, int Turns,
    string Measures, DateTime? ChangedAt, string? ChangedByName, AiToolApproval[] PendingApprovals);

/// <param name="State">active (give it back to the agent) or off.</param>
public sealed record ConversationAiRequest(string? State);

/// <param name="Note">What the person who decided wrote (AiToolDecision.Note).</param>
public sealed record AiToolApproval(long Id, long ConversationId, string Tool, string Arguments, string Status, DateTime RequestedAt,
    string? DecidedByName, DateTime? DecidedAt, string? Result, string? Note = null);

public sealed record AiToolDecision(bool Approve, string? Note);

/// <summary>One model call, as audited.</summary>
/// <param name="ConversationId">The conversation it answered (null: a call outside one, such as an editor's test chat).</param>
public sealed record AiTurnItem(long Id, string Purpose, string Model, DateTime StartedAt, int TokensIn, int TokensOut, int? ModelMs,
    int? OverheadMs, decimal CostUsd, bool Priced, string? Action, decimal? Confidence, string? Envelope, string ToolCalls, string Citations,
    bool Repaired, string? Error, long? ConversationId = null);

public sealed record AiDocumentItem(long Id, string Name, string ContentType, long SizeBytes, string Status, string? Error, int ChunkCount,
    DateTime UploadedAt);

/// <summary>A test chat in the agent editor: the agent's draft (or its published version) answers a scripted thread
/// through the Worker and the project's provider, exactly as it would a customer, but nothing is sent and no tool that
/// writes runs: the run shows what the agent would have done.</summary>
/// <param name="Messages">The thread so far, oldest first; the last one is the customer's.</param>
/// <param name="UsePublished">Run the published version instead of the draft.</param>
public sealed record AiTestRunRequest(AiTestMessage[]? Messages, bool? UsePublished);

/// <param name="Role">customer or agent (what the agent itself answered earlier in the test chat).</param>
public sealed record AiTestMessage(string Role, string Text);

/// <param name="Status">pending, running, done or failed.</param>
/// <param name="Action">reply, ask, handoff, resolve or wait: what the agent decided.</param>
/// <param name="Replies">What the customer would have received (a handoff's message included).</param>
/// <param name="ToolCalls">The tool calls, as a JSON array of {name, arguments, result}; a writing or risky tool is
/// never run in a test, its result says so.</param>
/// <param name="Measures">The measures extracted, as a JSON object.</param>
/// <param name="Citations">The manual passages the reply cites, as a JSON array.</param>
public sealed record AiTestRun(long Id, long AgentId, string Status, string? Action, string[] Replies, string? HandoffReason,
    string ToolCalls, string Measures, string Citations, decimal? Confidence, string? Error, int TokensIn, int TokensOut, int? ModelMs,
    DateTime CreatedAt, DateTime? FinishedAt);

// ── Agent assist and classification ──────────────────────────────────────────────────────────────────────────

/// <param name="Kind">suggest (replies for the composer), summary (for the rail) or autofill (a template's variables).</param>
/// <param name="TemplateId">autofill: the template whose variables are filled.</param>
public sealed record AiAssistRequest(string? Kind, long? TemplateId);

/// <param name="Status">pending, done or failed.</param>
/// <param name="Suggestions">suggest: up to three replies.</param>
/// <param name="Summary">summary: the summary, and <paramref name="Pending"/> what is still to do.</param>
/// <param name="Values">autofill: variable key ({{1}} → "1") → value; an empty value where nothing supported one.</param>
/// <param name="Error">failed: why (the provider's answer in words, invalid_output, no_provider, budget_spent…).</param>
public sealed record AiAssist(long Id, long ConversationId, string Kind, long? TemplateId, string Status, string[]? Suggestions, string? Summary,
    string[]? Pending, Dictionary<string, string>? Values, string? Error, int Attempts, DateTime RequestedAt, DateTime? DoneAt,
    string? RequestedByName = null);

/// <param name="Name">^[a-z0-9][a-z0-9_-]{0,39}$: what the model answers with, so short and plain.</param>
/// <param name="Description">What the label means, for the model (1–500 characters).</param>
/// <param name="Results">Classifications under it (a label that has some is deactivated, not deleted).</param>
public sealed record ClassificationLabel(long Id, string Name, string Description, bool Active, long Results, DateTime CreatedAt);

public sealed record ClassificationLabelRequest(string? Name, string? Description, bool? Active);

/// <param name="ClassifyOnResolve">Classify each conversation when it is resolved.</param>
public sealed record ClassificationSettings(bool ClassifyOnResolve);

/// <param name="Kind">on_demand (ConversationIds) or backfill (conversations whose last message is in [From, To)).</param>
public sealed record ClassificationJobRequest(string? Kind, long[]? ConversationIds, DateTime? From, DateTime? To);

/// <param name="Kind">on_resolve, on_demand or backfill.</param>
/// <param name="Status">queued, running, done, failed or cancelled.</param>
/// <param name="Total">Conversations to classify (a backfill counts them when it starts: null before).</param>
/// <param name="Failed">Conversations the model gave nothing usable for, or named a label that is not one.</param>
public sealed record ClassificationJob(long Id, string Kind, string Status, int? Total, int Done, int Failed, DateTime? From, DateTime? To,
    int? ConversationCount, string? RequestedByName, DateTime RequestedAt, DateTime? FinishedAt, string? Error);

/// <param name="Label">Null: none of the labels fit.</param>
/// <param name="JobKind">on_resolve, on_demand or backfill.</param>
public sealed record ClassificationResult(long Id, long? LabelId, string? Label, decimal Confidence, long? JobId, string? JobKind,
    DateTime ClassifiedAt);

/// <summary>For dashboards: the current label of the conversations classified in a period.</summary>
public sealed record ClassificationCount(long? LabelId, string? Label, long Conversations, decimal MeanConfidence);
