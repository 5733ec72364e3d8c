using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Calls;

/// <summary>The retention loop and call recordings: past the number's retention the file leaves the media store and
/// the thread stops offering it; a recording still within it, and a file another live recording shares, stay.</summary>
public sealed class RecordingRetentionTests
{
    [Fact]
    public async Task An_expired_recording_is_deleted_with_its_file_while_a_live_one_and_a_shared_file_stay()
    {
        var kit = await CallKit.StartAsync("call_recording_retention", enableCalling: false);
        await using var sandbox = kit.Sandbox;
        var expired = await EndedCallAsync(kit, "5491155550301");
        var live = await EndedCallAsync(kit, "5491155550302");
        var sharing = await EndedCallAsync(kit, "5491155550303");
        await kit.Db.ExecuteAsync("""
            insert into calls.recordings (project_id, call_id, mime_type, size_bytes, sha256, storage_key, expires_at) values
                (@ProjectId, @expired, 'audio/webm', 5, 'a', @expiredKey, now() - interval '1 minute'),
                (@ProjectId, @live, 'audio/webm', 5, 'b', @liveKey, now() + interval '30 days'),
                (@ProjectId, @sharing, 'audio/webm', 5, 'b', @liveKey, now() - interval '1 minute');
            select calls.touch(id) from calls.calls where id in (@expired, @live, @sharing);
            """, new { kit.Db.ProjectId, expired, live, sharing, expiredKey = Key(kit, "expired"), liveKey = Key(kit, "live") });
        Assert.Equal(3L, await kit.Db.ScalarAsync<long>(
            "select count(*) from calls.calls c join chat.messages m on m.id = c.message_id where (m.payload->>'has_recording')::boolean"));

        // One media folder for both Workers; retention off while the files are put in place (the loop runs a pass at start).
        var root = ("Media:Root", Path.Combine(Path.GetTempPath(), "mm-recordings-" + Guid.NewGuid().ToString("N")));
        await using (var setup = WorkerHost.Start(kit.Db, sandbox, root, ("Retention:Enabled", "false")))
        {
            var store = setup.Services.GetRequiredService<IMediaStore>();
            await store.PutAsync(Key(kit, "expired"), new MemoryStream("bytes"u8.ToArray()), "audio/webm", CancellationToken.None);
            await store.PutAsync(Key(kit, "live"), new MemoryStream("bytes"u8.ToArray()), "audio/webm", CancellationToken.None);
        }
        await using var worker = WorkerHost.Start(kit.Db, sandbox, root);
        var media = worker.Services.GetRequiredService<IMediaStore>();

        // Both expired rows are forgotten in one pass; the live one is looked at in the same statement, so by then it
        // has been passed over, not merely not reached yet.
        await Eventually.TrueAsync(async () => await kit.Db.ScalarAsync<long>(
                "select count(*) from calls.recordings where deleted_at is not null") == 2,
            TimeSpan.FromSeconds(20), "the retention pass forgot the two expired recordings");
        Assert.Null(await media.OpenReadAsync(Key(kit, "expired"), CancellationToken.None));
        await using (var shared = await media.OpenReadAsync(Key(kit, "live"), CancellationToken.None))
            Assert.NotNull(shared); // the expired row shared the live one's file: the file stays
        Assert.Equal(1L, await kit.Db.ScalarAsync<long>("select count(*) from calls.recordings where call_id = @live and deleted_at is null", new { live }));
        Assert.Equal(new[] { (expired, false), (live, true), (sharing, false) }, (await kit.Db.QueryAsync<(long, bool)>("""
            select c.id, (m.payload->>'has_recording')::boolean from calls.calls c join chat.messages m on m.id = c.message_id order by c.id
            """)).ToArray());
        Assert.Equal(new[] { "platform:recording_deleted" }, await kit.EventsAsync(expired));
    }

    private static string Key(CallKit kit, string name) => $"p{kit.Db.ProjectId}/calls/{name}";

    private static async Task<long> EndedCallAsync(CallKit kit, string waId)
    {
        var (contactId, conversationId) = await kit.CustomerAsync(waId);
        return await kit.Db.ScalarAsync<long>("""
            insert into calls.calls (project_id, account_id, conversation_id, contact_id, provider_call_id, direction, state, outcome,
                                     ringing_at, connected_at, ended_at, duration_seconds)
            values (@ProjectId, @AccountId, @conversationId, @contactId, 'wacid.' || @waId, 'in', 'ended', 'completed',
                    now() - interval '40 days', now() - interval '40 days', now() - interval '40 days' + interval '65 seconds', 65)
            returning id
            """, new { kit.Db.ProjectId, kit.AccountId, conversationId, contactId, waId });
    }
}
