using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>
/// The access matrix of every Core API route, generated from the OpenAPI document: a new route is covered without
/// anyone writing a test for it, and a route that declares no permission (<c>x-permission</c>) fails here. Each route
/// is called by anonymous (401), each role of the demo project (403 naming the permission when its role lacks it, else
/// it gets past access), a user of another project with the demo project's real ids (404), and, for a conversation's
/// routes, an agent without the conversation's queue (404). Bodies are a JSON array, which no route accepts: a caller
/// who gets past access gets 400 from binding, before anything is written.
/// </summary>
public sealed partial class RbacMatrixTests(RbacMatrixTests.Fixture fixture) : IClassFixture<RbacMatrixTests.Fixture>
{
    public sealed record Operation(string Method, string Path, string? Permission);

    private static readonly string[] Roles = ["agent", "supervisor", "admin", "dev"];
    private const string Outsider = "outsider@other.local";
    private const string Operator = "operator@platform.local";

    public static TheoryData<string, string> Routes()
    {
        var data = new TheoryData<string, string>();
        foreach (var op in MatrixHost.Shared.Operations) data.Add(op.Method, op.Path);
        return data;
    }

    [Fact]
    public void Every_route_declares_its_permission_in_the_OpenAPI_document()
    {
        Assert.True(fixture.Host.Operations.Count > 70, $"Only {fixture.Host.Operations.Count} operations found in /openapi/v1.json.");
        var undeclared = fixture.Host.Operations.Where(o => o.Permission is null).Select(o => $"{o.Method} {o.Path}").ToArray();
        Assert.True(undeclared.Length == 0, "Routes without x-permission (declare RequirePermission/RequireSignedIn/… where they are mapped): "
            + string.Join(", ", undeclared));
    }

    [Fact]
    public void The_resolved_scope_is_no_parameter_a_client_sends()
    {
        var parameters = fixture.Host.Document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Where(m => m.Value.ValueKind == JsonValueKind.Object && m.Value.TryGetProperty("parameters", out _))
                .SelectMany(m => m.Value.GetProperty("parameters").EnumerateArray().Select(x => $"{m.Name} {p.Name} {x.GetProperty("name").GetString()}")))
            .ToArray();
        Assert.Contains(parameters, p => p.EndsWith(" projectId", StringComparison.Ordinal));
        Assert.DoesNotContain(parameters, p => p.Split(' ')[2] is "scope" or "visible" or "caller" or "user");
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Route_answers_every_caller_as_its_declared_permission_says(string method, string path)
    {
        var host = fixture.Host;
        var op = host.Operations.Single(o => o.Method == method && o.Path == path);
        Assert.True(op.Permission is not null, $"{method} {path} declares no x-permission.");
        var failures = new List<string>();
        async Task Check(string caller, string? email, Func<HttpResponseMessage, string, bool> ok, string expected, long? conversationId = null)
        {
            var (status, body) = await host.CallAsync(op, email, conversationId ?? host.ConversationId);
            if (!ok(new HttpResponseMessage(status), body)) failures.Add($"{caller}: expected {expected}, got {(int)status} {body}");
        }
        bool Past(HttpResponseMessage r, string body) => GotPastAccess(r.StatusCode, body, op.Permission!);

        switch (op.Permission)
        {
            case "anonymous":
                await Check("anonymous", null, Past, "past access");
                break;
            case "signed-in":
                await Check("anonymous", null, (r, _) => r.StatusCode == HttpStatusCode.Unauthorized, "401");
                foreach (var role in Roles) await Check(role, $"{role}@demo.local", Past, "past access");
                break;
            case "operator":
                await Check("anonymous", null, (r, _) => r.StatusCode == HttpStatusCode.Unauthorized, "401");
                foreach (var role in Roles) await Check(role, $"{role}@demo.local", (r, _) => r.StatusCode == HttpStatusCode.NotFound, "404");
                await Check("operator", Operator, Past, "past access");
                break;
            default:
                await Check("anonymous", null, (r, _) => r.StatusCode == HttpStatusCode.Unauthorized, "401");
                var anyOf = op.Permission!.Split('|');
                foreach (var role in Roles)
                {
                    var allowed = op.Permission == "project.member" || anyOf.Any(host.Grants[role].Contains);
                    if (allowed) await Check(role, $"{role}@demo.local", Past, "past access");
                    else await Check(role, $"{role}@demo.local",
                        (r, body) => r.StatusCode == HttpStatusCode.Forbidden && body.Contains(anyOf[0], StringComparison.Ordinal), $"403 naming {anyOf[0]}");
                }
                Assert.True(Roles.Any(r => op.Permission == "project.member" || anyOf.Any(host.Grants[r].Contains)),
                    $"{method} {path}: no role holds {op.Permission}, so nothing shows the route can be reached.");
                await Check("user of another project", Outsider, (r, _) => r.StatusCode == HttpStatusCode.NotFound, "404");
                if (path.Contains("{conversationId}", StringComparison.Ordinal))
                    await Check("agent without the conversation's queue", "agent@demo.local", (r, _) => r.StatusCode == HttpStatusCode.NotFound, "404",
                        host.RestrictedConversationId);
                break;
        }
        Assert.True(failures.Count == 0, $"{method} {path} ({op.Permission}):\n" + string.Join("\n", failures));
    }

    /// <summary>Past access: not 401, not 404 (the ids are real), and not the 403 that names the route's permission (a
    /// handler's own rule, such as assigning someone else, may still refuse with another permission).</summary>
    private static bool GotPastAccess(HttpStatusCode status, string body, string permission) =>
        status is not (HttpStatusCode.Unauthorized or HttpStatusCode.NotFound)
        && !(status == HttpStatusCode.Forbidden && permission.Split('|').Any(p => body.Contains($"({p})", StringComparison.Ordinal)));

    /// <summary>One host and one database for the whole matrix. Started on first use: the routes are read from the
    /// host's OpenAPI document when the theory's cases are listed, before any fixture would exist.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public MatrixHost Host { get; private set; } = null!;

        public Task InitializeAsync()
        {
            Host = MatrixHost.Shared;
            return Task.CompletedTask;
        }

        public Task DisposeAsync() => Host.DisposeAsync();
    }

    public sealed partial class MatrixHost : CoreHost
    {
        private static readonly Lazy<MatrixHost> Instance = new(() => StartAsync().GetAwaiter().GetResult());
        public static MatrixHost Shared => Instance.Value;

        public IReadOnlyList<Operation> Operations { get; private set; } = [];
        public JsonElement Document { get; private set; }
        public IReadOnlyDictionary<string, HashSet<string>> Grants { get; private set; } = null!;
        public long ConversationId { get; private set; }
        public long RestrictedConversationId { get; private set; }
        private readonly Dictionary<string, long> _ids = [];

        private static async Task<MatrixHost> StartAsync()
        {
            var host = new MatrixHost();
            await host.InitializeAsync();
            await host.SeedAsync();
            var document = await host.Anonymous().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
            host.Document = document;
            host.Operations = document.GetProperty("paths").EnumerateObject()
                .SelectMany(p => p.Value.EnumerateObject().Where(m => m.Name is "get" or "post" or "put" or "patch" or "delete")
                    .Select(m => new Operation(m.Name.ToUpperInvariant(), p.Name,
                        m.Value.TryGetProperty("x-permission", out var x) ? x.GetString() : null)))
                .OrderBy(o => o.Path, StringComparer.Ordinal).ThenBy(o => o.Method, StringComparer.Ordinal).ToArray();
            return host;
        }

        private async Task SeedAsync()
        {
            await using var db = new NpgsqlConnection(ConnectionString);
            Grants = (await db.QueryAsync<(string Role, string[] Permissions)>(
                    "select role, array_agg(permission) from core.role_permissions group by role"))
                .ToDictionary(r => r.Role, r => r.Permissions.ToHashSet());
            ConversationId = await ConversationAsync(DemoAccountId, "34950000001", "hello", GeneralQueueId);
            var restricted = await db.ExecuteScalarAsync<long>(
                "insert into core.queues (project_id, name) values (@DemoProjectId, 'Restricted') returning id", new { DemoProjectId });
            RestrictedConversationId = await ConversationAsync(DemoAccountId, "34950000002", "hello", restricted);
            _ids["messageId"] = await db.ExecuteScalarAsync<long>("select id from chat.messages where conversation_id = @ConversationId", new { ConversationId });
            _ids["mediaId"] = await db.ExecuteScalarAsync<long>("""
                insert into chat.media (project_id, message_id, ordinal, kind, provider_media_id, download_status)
                values (@DemoProjectId, @messageId, 0, 'image', 'matrix-media', 'pending') returning id
                """, new { DemoProjectId, messageId = _ids["messageId"] });
            _ids["contactId"] = await db.ExecuteScalarAsync<long>("select contact_id from chat.conversations where id = @ConversationId", new { ConversationId });
            _ids["queueId"] = GeneralQueueId;
            // Not the agent: removing the agent from a queue (DELETE …/members/{userId}) would hide the matrix's conversation.
            _ids["userId"] = await db.ExecuteScalarAsync<long>("select id from core.users where email = 'dev@demo.local'");
            _ids["tagId"] = await TagAsync(db);
            _ids["ruleId"] = await RuleAsync(db);
            _ids["templateId"] = await TemplateAsync(db);
            _ids["invitationId"] = await InvitationAsync(db);
            _ids["accountId"] = DemoAccountId;
            // Calls: a ringing inbound call in the matrix's conversation, as ingestion writes it.
            _ids["callId"] = await db.ExecuteScalarAsync<long>("""
                insert into calls.calls (project_id, account_id, conversation_id, contact_id, direction, state, offer_sdp)
                select project_id, account_id, id, contact_id, 'in', 'ringing', 'v=0' from chat.conversations where id = @ConversationId
                returning id
                """, new { ConversationId });
            // Its recording's row (the file is not in the store: those who may hear it get 410, past access).
            await db.ExecuteAsync("""
                insert into calls.recordings (project_id, call_id, mime_type, size_bytes, sha256, storage_key, expires_at)
                values (@DemoProjectId, @callId, 'audio/webm', 1, 'matrix', 'p0/calls/matrix', now() + interval '1 day')
                """, new { DemoProjectId, callId = _ids["callId"] });
            _ids["campaignId"] = await CampaignAsync(db, _ids["templateId"]);
            _ids["appId"] = await db.ExecuteScalarAsync<long>("select app_id from meta.accounts where id = @DemoAccountId", new { DemoAccountId });
            await SeedAiAsync(db);
            await SeedBotsAsync(db);
            var members = (await db.QueryAsync<long>("select user_id from core.project_members where project_id = @DemoProjectId", new { DemoProjectId })).ToArray();
            _ids["roomId"] = await db.ExecuteScalarAsync<long>("select internal.create_room(@DemoProjectId, 'Matrix', @creator, @members)",
                new { DemoProjectId, creator = members[0], members });
            var hash = await db.ExecuteScalarAsync<string>("select password_hash from core.users where email = 'admin@demo.local'");
            await db.ExecuteAsync("select core.create_user(@Operator, 'Olga Operator', @hash)", new { Operator, hash });
            await db.ExecuteAsync("update core.users set is_operator = true where email = @Operator", new { Operator });
        }

        /// <summary>The project's AI: a provider, a published agent with a custom tool (the {name} of its secret route), an
        /// activation, a document of its manual and a tool call waiting for approval on the matrix's conversation.</summary>
        private async Task SeedAiAsync(NpgsqlConnection db)
        {
            await db.ExecuteAsync("insert into bot.ai_providers (project_id, base_url, chat_model) values (@DemoProjectId, 'https://api.openai.com/v1', 'gpt-4o-mini')",
                new { DemoProjectId });
            var agentId = await db.ExecuteScalarAsync<long>("select agent_id from bot.create_ai_agent(@DemoProjectId, 'Matrix', @draft::jsonb, null)",
                new { DemoProjectId, draft = AiSamples.DefinitionJson(AiSamples.Tool(Names["name"])) });
            await db.ExecuteAsync("select bot.publish_ai_agent(@DemoProjectId, @agentId, 1, null)", new { DemoProjectId, agentId });
            _ids["agentId"] = agentId;
            _ids["activationId"] = await ActivationAsync(db);
            _ids["documentId"] = await DocumentAsync(db);
            _ids["approvalId"] = await db.ExecuteScalarAsync<long>("""
                insert into bot.ai_tool_approvals (project_id, conversation_id, tool, arguments) values (@DemoProjectId, @ConversationId, 'matrix_tool', '{}')
                returning id
                """, new { DemoProjectId, ConversationId });
            _ids["runId"] = await db.ExecuteScalarAsync<long>("""
                select run_id from bot.request_ai_test_run(@DemoProjectId, @agentId, false, '[{"role":"customer","text":"hola"}]',
                    (select min(id) from core.users))
                """, new { DemoProjectId, agentId });
            await SeedClassificationAsync(db);
            await SeedImportAsync(db);
        }

        /// <summary>Imports: a run and a running job of it (cancelling it only asks the Worker to stop, so every caller
        /// allowed to may cancel it again).</summary>
        private async Task SeedImportAsync(NpgsqlConnection db)
        {
            _ids["importRunId"] = await db.ExecuteScalarAsync<long>("""
                insert into ops.import_runs (project_id, source, source_system, file_name, file_sha256, file_bytes)
                values (@DemoProjectId, 'generic', 'matrix', 'matrix.jsonl', 'matrix', 1) returning id
                """, new { DemoProjectId });
            _ids["importJobId"] = await db.ExecuteScalarAsync<long>("""
                insert into ops.import_jobs (project_id, source, source_system, file_name, storage_key, size_bytes, file_sha256, status,
                                             run_id, lease_owner, lease_until)
                values (@DemoProjectId, 'generic', 'matrix', 'matrix.jsonl', 'p0/import/matrix', 1, 'matrix', 'running', @run, 'matrix',
                        now() + interval '1 day') returning id
                """, new { DemoProjectId, run = _ids["importRunId"] });
        }

        /// <summary>Chatbots: a published flow and an (disabled) activation of it. The bots routes' {activationId} is a flow
        /// activation, the AI routes' an AI activation.</summary>
        private async Task SeedBotsAsync(NpgsqlConnection db)
        {
            var flowId = await db.ExecuteScalarAsync<long>("select flow_id from bot.create_flow(@DemoProjectId, 'Matrix', @draft::jsonb, null)",
                new { DemoProjectId, draft = JsonSerializer.Serialize(MultichannelMessages.CoreApi.Bots.FlowRules.Default(), JsonSerializerOptions.Web) });
            await db.ExecuteAsync("select bot.publish_flow(@DemoProjectId, @flowId, 1, null)", new { DemoProjectId, flowId });
            _ids["flowId"] = flowId;
            _flowActivationId = await FlowActivationAsync(db);
        }

        private long _flowActivationId;

        private Task<long> FlowActivationAsync(NpgsqlConnection db) => db.ExecuteScalarAsync<long>(
            "insert into bot.flow_activations (project_id, flow_id, account_id, entry, enabled) values (@DemoProjectId, @flowId, @DemoAccountId, 'new_conversation', false) returning id",
            new { DemoProjectId, flowId = _ids["flowId"], DemoAccountId });

        /// <summary>Agent assist and classification: an assist on the matrix's conversation, a label and a job.</summary>
        private async Task SeedClassificationAsync(NpgsqlConnection db)
        {
            var userId = await db.ExecuteScalarAsync<long>("select id from core.users where email = 'agent@demo.local'");
            _ids["assistId"] = await db.ExecuteScalarAsync<long>(
                "insert into bot.ai_assists (project_id, conversation_id, kind, requested_by) values (@DemoProjectId, @ConversationId, 'summary', @userId) returning id",
                new { DemoProjectId, ConversationId, userId });
            _ids["labelId"] = await LabelAsync(db);
            _ids["jobId"] = await db.ExecuteScalarAsync<long>(
                "insert into classify.jobs (project_id, kind, conversation_ids, total, next_attempt_at) values (@DemoProjectId, 'on_demand', array[@ConversationId], 1, now() + interval '1 day') returning id",
                new { DemoProjectId, ConversationId });
        }

        private Task<long> LabelAsync(NpgsqlConnection db) => db.ExecuteScalarAsync<long>(
            "insert into classify.labels (project_id, name, description) values (@DemoProjectId, 'm-' || left(md5(random()::text), 12), 'Matrix') returning id",
            new { DemoProjectId });

        private Task<long> ActivationAsync(NpgsqlConnection db) => db.ExecuteScalarAsync<long>(
            "insert into bot.ai_activations (project_id, agent_id, enabled) values (@DemoProjectId, @agentId, false) returning id",
            new { DemoProjectId, agentId = _ids["agentId"] });

        private Task<long> DocumentAsync(NpgsqlConnection db) => db.ExecuteScalarAsync<long>("""
            insert into bot.ai_documents (project_id, agent_id, name, content_type, size_bytes, sha256, content)
            values (@DemoProjectId, @agentId, 'manual.txt', 'text/plain', 5, gen_random_uuid()::text, 'hello') returning id
            """, new { DemoProjectId, agentId = _ids["agentId"] });

        private Task<long> TagAsync(NpgsqlConnection db) => db.ExecuteScalarAsync<long>(
            "insert into chat.tags (project_id, name, color) values (@DemoProjectId, 'matrix-' || gen_random_uuid(), '#112233') returning id", new { DemoProjectId });

        private Task<long> RuleAsync(NpgsqlConnection db) => db.ExecuteScalarAsync<long>(
            "insert into core.routing_rules (project_id, queue_id, keyword) values (@DemoProjectId, @GeneralQueueId, 'matrix') returning id",
            new { DemoProjectId, GeneralQueueId });

        private Task<long> TemplateAsync(NpgsqlConnection db) => db.ExecuteScalarAsync<long>("""
            insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
            select a.project_id, a.id, a.waba_id, 'matrix_' || replace(gen_random_uuid()::text, '-', '_'), 'en', 'UTILITY',
                   '[{"type":"BODY","text":"Hello {{1}}","example":{"body_text":[["Ana"]]}}]', 'APPROVED'
            from meta.accounts a where a.id = @DemoAccountId
            returning id
            """, new { DemoAccountId });

        /// <summary>A draft campaign with one recipient: every campaign route finds it (a lifecycle call with the
        /// matrix's body is refused by binding before it changes anything).</summary>
        private Task<long> CampaignAsync(NpgsqlConnection db, long templateId) => db.ExecuteScalarAsync<long>("""
            with c as (
                insert into mass.campaigns (project_id, account_id, template_id, name)
                values (@DemoProjectId, @DemoAccountId, @templateId, 'Matrix') returning id, project_id)
            insert into mass.recipients (campaign_id, project_id, source, phone_raw, wa_id, status)
            select id, project_id, 'csv', '+34950000099', '34950000099', 'pending' from c
            returning campaign_id
            """, new { DemoProjectId, DemoAccountId, templateId });

        /// <summary>Route parameters that are names, not row ids.</summary>
        private static readonly Dictionary<string, string> Names = new() { ["module"] = "templates", ["name"] = "matrix_tool", ["key"] = "conversations" };

        private Task<long> InvitationAsync(NpgsqlConnection db) => db.ExecuteScalarAsync<long>("""
            insert into core.one_time_links (purpose, project_id, email, role, token_hash, expires_at)
            values ('invitation', @DemoProjectId, 'matrix-' || gen_random_uuid() || '@example.com', 'agent', sha256(convert_to(gen_random_uuid()::text, 'UTF8')), now() + interval '1 day')
            returning id
            """, new { DemoProjectId });

        [GeneratedRegex(@"\{(\w+)\}")]
        private static partial Regex Parameter();

        /// <summary>The route with its parameters filled from real rows. A DELETE of a catalog row (tag, rule, template)
        /// gets a fresh row, so one role's delete does not turn the next role's call into a 404.</summary>
        private async Task<string> FillAsync(Operation op, long conversationId)
        {
            await using var db = new NpgsqlConnection(ConnectionString);
            var fresh = op.Method == "DELETE" && !op.Path.Contains("{conversationId}", StringComparison.Ordinal);
            var values = new Dictionary<string, long>(_ids) { ["projectId"] = DemoProjectId, ["conversationId"] = conversationId };
            if (fresh && op.Path.EndsWith("{tagId}", StringComparison.Ordinal)) values["tagId"] = await TagAsync(db);
            if (fresh && op.Path.EndsWith("{ruleId}", StringComparison.Ordinal)) values["ruleId"] = await RuleAsync(db);
            if (fresh && op.Path.EndsWith("{templateId}", StringComparison.Ordinal)) values["templateId"] = await TemplateAsync(db);
            if (fresh && op.Path.EndsWith("{invitationId}", StringComparison.Ordinal)) values["invitationId"] = await InvitationAsync(db);
            var bots = op.Path.StartsWith("/projects/{projectId}/bots/", StringComparison.Ordinal);
            if (bots) values["activationId"] = fresh && op.Path.EndsWith("{activationId}", StringComparison.Ordinal) ? await FlowActivationAsync(db) : _flowActivationId;
            else if (fresh && op.Path.EndsWith("{activationId}", StringComparison.Ordinal)) values["activationId"] = await ActivationAsync(db);
            if (fresh && op.Path.EndsWith("{documentId}", StringComparison.Ordinal)) values["documentId"] = await DocumentAsync(db);
            if (fresh && op.Path.EndsWith("{labelId}", StringComparison.Ordinal)) values["labelId"] = await LabelAsync(db);
            return Parameter().Replace(op.Path, m => values.TryGetValue(m.Groups[1].Value, out var id)
                ? id.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : Names.TryGetValue(m.Groups[1].Value, out var name) ? name
                : throw new InvalidOperationException($"The matrix has no seeded row for {{{m.Groups[1].Value}}} in {op.Path}: add one to SeedAsync."));
        }

        public async Task<(HttpStatusCode Status, string Body)> CallAsync(Operation op, string? email, long conversationId)
        {
            var client = email is null ? Anonymous() : await As(email);
            using var request = new HttpRequestMessage(new HttpMethod(op.Method), await FillAsync(op, conversationId));
            if (op.Method is "POST" or "PUT" or "PATCH") request.Content = new StringContent("[]", Encoding.UTF8, "application/json");
            using var response = await client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
    }
}
