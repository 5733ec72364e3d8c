namespace MultichannelMessages.Contracts.Bots;

// Node-flow chatbots (issue 15, docs/chatbots.md): flows per project (a draft document and immutable published
// versions), activated per Meta account and entry point, run per conversation as sessions by the Worker. The flow
// document (FlowDefinition) is stored as JSON (bot.flows.draft, bot.flow_versions.definition); the Core API checks it
// (FlowRules) on save and on publish, the Worker runs it (FlowEngine).

/// <summary>What a flow is: its nodes, where it starts, and the session's limits.</summary>
/// <param name="Start">The id of the first node.</param>
/// <param name="ExpiryMinutes">A session waiting for the customer longer than this ends (expired); default 4 h.</param>
/// <param name="TimeoutMessage">Sent to the customer when the session expires; null: expires silently.</param>
/// <param name="MaxStepsPerMessage">Loop guard: nodes run for one customer message before the flow hands off.</param>
/// <param name="MaxMessagesPerMinute">Loop guard: bot messages per minute in one conversation before it hands off.</param>
/// <param name="HandoffQueueId">Where a guard's or an error's handoff sends the conversation; null: it stays in its queue.</param>
/// <param name="GuardMessage">Told to the customer when a guard hands off; null: a default in the customer's language.</param>
/// <param name="Channels">The channels the flow is published for (limits are checked for each): whatsapp, messenger, instagram.</param>
public sealed record FlowDefinition(string Start, FlowNode[] Nodes, string[] Channels, int ExpiryMinutes = 240,
    string? TimeoutMessage = null, int MaxStepsPerMessage = 25, int MaxMessagesPerMinute = 12, long? HandoffQueueId = null,
    string? GuardMessage = null);

/// <summary>
/// One node. <paramref name="Type"/> says which fields apply:
/// <list type="bullet">
/// <item><c>message</c>: Text and/or Media, then Next.</item>
/// <item><c>choice</c>: Text, Choices shown as Style (buttons: WhatsApp reply buttons / quick replies; list: a WhatsApp
/// list message, ListButton its button; text: a numbered menu). Waits for the answer: a tapped button, the choice's
/// number, its title or one of its Keywords. SaveAs keeps the choice's id.</item>
/// <item><c>question</c>: Text, Expect (text, number, date, email, phone, pattern with Pattern). SaveAs keeps the answer.</item>
/// <item><c>intent</c>: optional Text; waits for the customer's words and routes by Intents' keywords (accents and case
/// ignored), else Fallback.</item>
/// <item><c>condition</c>: Conditions in order, the first true one's Next, else Else.</item>
/// <item><c>set_attribute</c>: Attribute (the contact's) = Value (variables allowed), then Next.</item>
/// <item><c>ai_agent</c>: the conversation goes to the AI agent AgentId; the flow ends.</item>
/// <item><c>template</c>: the approved template TemplateName in TemplateLanguage with TemplateParameters, then Next.</item>
/// <item><c>wait</c>: Seconds, then Next.</item>
/// <item><c>handoff</c>: Text told to the customer, to QueueId (null: the flow's handoff queue, else its queue); the flow ends.</item>
/// <item><c>end</c>: optional Text; Resolve resolves the conversation.</item>
/// </list>
/// Choice, question and intent nodes retry an invalid answer Retries times with InvalidMessage, then go to Fallback.
/// Texts may hold variables: {{name}} (a saved answer), {{contact.name}}, {{contact.phone}}, {{attr.key}}.
/// </summary>
/// <param name="X">Canvas position (the editor's; the runtime ignores it).</param>
public sealed record FlowNode(string Id, string Type, string? Text = null, FlowMedia? Media = null, string? Next = null,
    FlowChoice[]? Choices = null, string? Style = null, string? ListButton = null, string? Expect = null, string? Pattern = null,
    string? SaveAs = null, int Retries = 2, string? InvalidMessage = null, string? Fallback = null, FlowIntent[]? Intents = null,
    FlowCondition[]? Conditions = null, string? Else = null, string? Attribute = null, string? Value = null, long? AgentId = null,
    string? TemplateName = null, string? TemplateLanguage = null, Dictionary<string, string>? TemplateParameters = null,
    int? Seconds = null, long? QueueId = null, bool Resolve = false, double X = 0, double Y = 0);

/// <param name="Kind">image, video, audio or document.</param>
/// <param name="Url">https URL Meta fetches (the business's own file host).</param>
public sealed record FlowMedia(string Kind, string Url, string? FileName = null);

/// <param name="Id">^[a-z0-9_]{1,40}$: what a tapped button sends back, and what SaveAs keeps.</param>
/// <param name="Title">WhatsApp: ≤ 20 characters for buttons, ≤ 24 for list rows; Messenger/Instagram quick replies ≤ 20.</param>
/// <param name="Description">List rows only (≤ 72 characters).</param>
/// <param name="Keywords">Words that choose it when typed (accents and case ignored).</param>
public sealed record FlowChoice(string Id, string Title, string Next, string? Description = null, string[]? Keywords = null);

/// <param name="Keywords">Any of these, as whole words in the customer's message, chooses the intent.</param>
public sealed record FlowIntent(string Name, string[] Keywords, string Next);

/// <param name="Kind">variable (a saved answer), attribute (the contact's), channel, in_hours or out_of_hours.</param>
/// <param name="Op">equals, not_equals, contains, exists, missing, greater, less (numbers).</param>
public sealed record FlowCondition(string Kind, string Next, string? Key = null, string? Op = null, string? Value = null);

public sealed record FlowSummary(long Id, string Name, int DraftRevision, int? PublishedVersion, DateTime? PublishedAt, bool Archived,
    long[] AccountIds, int ActiveSessions, DateTime UpdatedAt);

/// <param name="Draft">The FlowDefinition being edited, as JSON.</param>
/// <param name="Published">The running version's definition, as JSON; null before the first publish.</param>
/// <param name="Problems">What stops the draft from being published (empty: it can be).</param>
public sealed record FlowDetail(long Id, string Name, int DraftRevision, string Draft, int? PublishedVersion, string? Published,
    DateTime? PublishedAt, bool Archived, FlowProblem[] Problems);

/// <param name="NodeId">The node at fault; null for the flow as a whole.</param>
/// <param name="Field">The node's field (choices, text, next…), for the editor to point at.</param>
/// <param name="Code">Stable: the console translates it (flow_*).</param>
public sealed record FlowProblem(string? NodeId, string? Field, string Code, string Detail);

/// <param name="Revision">The draft revision the editor started from: a save over a newer one is refused (draft_conflict).</param>
public sealed record FlowDraftRequest(string? Name, FlowDefinition? Definition, int? Revision);

/// <param name="Entry">new_conversation, keyword, referral (an ad or link: WhatsApp referral / ctwa_clid, Messenger ref),
/// out_of_hours, or ai_handoff (an AI agent on this account hands off: the flow takes the conversation).</param>
/// <param name="Keywords">keyword: the customer's message holding one of these (whole words, accents and case ignored).</param>
/// <param name="Referral">referral: only this source id / ref (null: any referral).</param>
public sealed record FlowActivation(long Id, long FlowId, string FlowName, long AccountId, string Entry, string[] Keywords,
    string? Referral, bool Enabled);

public sealed record FlowActivationRequest(long? FlowId, long? AccountId, string? Entry, string[]? Keywords, string? Referral, bool? Enabled);

/// <summary>A conversation's chatbot session, for the rail.</summary>
/// <param name="Status">active, completed, handed_off, off (a person took over), expired or failed; none: no session.</param>
/// <param name="Reason">Why it ended (person_replied, person_took_lock, person_assigned, turned_off, guard_steps…).</param>
/// <param name="ChangedByName">The person who took over or handed it back.</param>
public sealed record ConversationBot(long ConversationId, string Status, long? SessionId, long? FlowId, string? FlowName, int? Version,
    string? NodeId, string? Reason, DateTime? StartedAt, DateTime? ExpiresAt, DateTime? ChangedAt, string? ChangedByName, string Variables);

/// <param name="State">active (hand the conversation back to the bot, where its session stopped) or off.</param>
public sealed record ConversationBotRequest(string? State);

/// <summary>Per-flow analytics over a period: sessions by outcome, and where the dropped ones stopped.</summary>
public sealed record FlowAnalytics(long FlowId, DateTime From, DateTime To, int Started, int Completed, int HandedOff, int Expired,
    int Off, int Failed, int Active, FlowNodeCount[] DroppedAt);

public sealed record FlowNodeCount(string NodeId, int Sessions);

/// <summary>The editor's test panel: the draft (or the published version) run as a simulated customer, in the browser's
/// session with the Core API: nothing is sent, no attribute is written.</summary>
/// <param name="State">The state the previous answer returned (null: start).</param>
/// <param name="Input">What the simulated customer wrote (text), or the id of the button they tapped (ReplyId).</param>
public sealed record FlowTestRequest(bool? UsePublished, FlowTestState? State, string? Input, string? ReplyId);

public sealed record FlowTestState(string? NodeId, bool Awaiting, Dictionary<string, string> Variables, int Retries);

/// <param name="Outcome">waiting (for the customer), completed, handed_off, ai_agent, failed.</param>
public sealed record FlowTestResult(FlowTestState State, FlowTestMessage[] Messages, string Outcome, string? Reason, string[] Path);

/// <param name="Buttons">The buttons / list rows / quick replies shown with it: id and title.</param>
public sealed record FlowTestMessage(string Text, FlowTestButton[] Buttons, string? MediaUrl);

public sealed record FlowTestButton(string Id, string Title);

/// <summary>A legacy flow import (docs/chatbots-legacy-import.md): the flows are created or updated by their
/// legacy id (an import run twice changes nothing the second time).</summary>
/// <param name="Flows">Imported (created or updated), each with its legacy id and new flow id.</param>
/// <param name="Problems">What could not be mapped, per legacy flow and node; a flow with problems is kept as a draft.</param>
public sealed record FlowImportReport(FlowImportItem[] Flows, FlowImportProblem[] Problems);

/// <param name="Outcome">created, updated or unchanged.</param>
/// <param name="Published">The flow's published version is this file's content (a flow with problems stays a draft).</param>
/// <param name="NodeIds">Each legacy node's id and the node id it became (the same when it was already a valid id).</param>
public sealed record FlowImportItem(string LegacyId, long FlowId, string Name, string Outcome, bool Published,
    FlowImportNodeMap[]? NodeIds = null);

public sealed record FlowImportNodeMap(string LegacyNodeId, string NodeId);

public sealed record FlowImportProblem(string LegacyFlowId, string? LegacyNodeId, string Code, string Detail);
