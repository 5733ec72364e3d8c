using System.Net;
using System.Text;
using Dapper;
using MultichannelMessages.Platform.Meta.Parsing;
using Npgsql;

namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>
/// Every example payload in tests/fixtures/meta goes through the real endpoint and database: each is answered 200,
/// kept raw, and every message, status and business event the parser finds in it is stored under that event.
/// Fixtures reuse ids (many pywa examples are all "wamid.xyzxyz"), so ids are made unique per fixture first.
/// </summary>
public sealed class FixtureSweepTests(WebhookHost host) : IClassFixture<WebhookHost>
{
    public static TheoryData<string> Files()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "fixtures", "meta");
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(root, "*.json", SearchOption.AllDirectories).Order())
            data.Add(Path.GetRelativePath(root, f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Every_fixture_is_kept_raw_and_fully_normalized(string file)
    {
        var tag = Path.GetFileNameWithoutExtension(file);
        var text = Encoding.UTF8.GetString(Fixture.Bytes(file))
            .Replace("\"wamid.", $"\"wamid.{tag}.").Replace("\"mid\": \"", $"\"mid\": \"{tag}.").Replace("\"mid\":\"", $"\"mid\":\"{tag}.");
        var body = Encoding.UTF8.GetBytes(text);
        var parsed = WebhookParser.Parse(body);
        await OwnEveryAccountAsync(parsed);

        var response = await host.PostAsync(body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var ev = await host.RowAsync("select id, parse_status, is_unowned from meta.webhook_events where event_hash = sha256(@Body)", new { Body = body });
        Assert.NotNull(ev);
        long eventId = ev!.id;
        if (parsed.Error is not null)
        {
            Assert.Equal("parse_error", (string)ev.parse_status);
            return;
        }
        Assert.Contains((string)ev.parse_status, new[] { "normalized", "partial" });
        Assert.False((bool)ev.is_unowned);

        var expectedMessages = parsed.Messages.Where(m => m.ProviderMessageId is null).Count()
            + parsed.Messages.Where(m => m.ProviderMessageId is not null).Select(m => (m.AccountExternalId, m.ProviderMessageId)).Distinct().Count();
        Assert.Equal(expectedMessages, await host.ScalarAsync<int>("select count(*)::int from chat.messages where event_id = @eventId", new { eventId }));

        var expectedStatuses = parsed.Statuses.Where(s => s.ProviderMessageId is null).Count()
            + parsed.Statuses.Where(s => s.ProviderMessageId is not null).Select(s => (s.AccountExternalId, s.ProviderMessageId, s.Status)).Distinct().Count();
        Assert.Equal(expectedStatuses, await host.ScalarAsync<int>("select count(*)::int from chat.message_status_events where event_id = @eventId", new { eventId }));

        // Every call event of a call lands in calls.call_events: a customer's call is made by its first event, and so
        // is a business call the platform did not place (kept as placed_outside); only recording/transcription events
        // of a call unknown here have nothing to attach to (CallIngestTests has the rest).
        var calls = parsed.BusinessEvents.Where(b => b.Kind == "call").ToList();
        Assert.Equal(calls.Count(b => b.Event is "connect" or "terminate" or "RINGING" or "ACCEPTED" or "REJECTED"),
            await host.ScalarAsync<int>("select count(*)::int from calls.call_events where event_id = @eventId", new { eventId }));
        Assert.Equal(parsed.BusinessEvents.Count - calls.Count, await host.ScalarAsync<int>("""
            select ((select count(*) from meta.template_events where event_id = @eventId)
                  + (select count(*) from meta.number_quality_events where event_id = @eventId)
                  + (select count(*) from meta.account_events where event_id = @eventId))::int
            """, new { eventId }));

        Assert.Equal(parsed.Media.Count, await host.ScalarAsync<int>(
            "select count(*)::int from chat.media md join chat.messages m on m.id = md.message_id where m.event_id = @eventId", new { eventId }));
    }

    /// <summary>Fixtures name many different numbers and pages; give each an owner so nothing is set aside as unowned.</summary>
    private async Task OwnEveryAccountAsync(MultichannelMessages.Platform.Meta.ParsedWebhook parsed)
    {
        var accounts = parsed.Messages.Select(m => (m.Channel, m.AccountExternalId, m.BusinessAccountId))
            .Concat(parsed.Statuses.Select(s => (s.Channel, s.AccountExternalId, s.BusinessAccountId)))
            .Concat(parsed.BusinessEvents.Select(b => ("whatsapp", b.AccountExternalId ?? "phone-of-" + b.BusinessAccountId, b.BusinessAccountId)))
            .Distinct();
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        foreach (var (channel, external, waba) in accounts)
        {
            await connection.ExecuteAsync("""
                insert into meta.accounts (project_id, app_id, channel, external_id, waba_id, name)
                values ((select id from core.projects where slug = 'demo'), (select id from meta.apps where meta_app_id = '100000000000001'),
                        @channel, @external, @waba, 'fixture account')
                on conflict (channel, external_id) do nothing
                """, new { channel, external, waba = waba ?? (channel == "whatsapp" ? "fixture-waba" : null) });
        }
    }
}
