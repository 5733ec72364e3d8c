using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.WebhookApi.Signatures;

namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>An app secret rotated from the console: during the overlap both secrets verify, after it only the new
/// one; the handshake and signed events are recorded on the app so the console can say the wiring works.</summary>
public sealed class SecretRotationTests(WebhookHost host) : IClassFixture<WebhookHost>
{
    private const string AppId = "300000000000003";
    private const string OldSecret = "00112233445566778899aabbccddeeff";
    private const string NewSecret = "ffeeddccbbaa99887766554433221100";

    private async Task<DateTime?> SeenAsync(string sql, object args) => (await host.QueryAsync<DateTime?>(sql, args)).Single();

    private AppSecrets Secrets => host.Factory.Services.GetRequiredService<AppSecrets>();

    [Fact]
    public async Task Both_secrets_verify_during_the_overlap_and_only_the_new_one_after_it()
    {
        var protector = new SecretProtector(WebhookHost.MasterKey);
        await host.ScalarAsync<long>("""
            insert into meta.apps (meta_app_id, name, app_secret_enc, verify_token_enc) values (@AppId, 'Rotating', @secret, @token) returning id
            """, new { AppId, secret = protector.Protect(OldSecret, SecretPlace.AppSecret(AppId)), token = protector.Protect("rotating-verify", SecretPlace.VerifyToken(AppId)) });
        await Secrets.LoadAsync(CancellationToken.None);
        var body = Encoding.UTF8.GetBytes(Payloads.Text("wamid.rotation-0", "34611200000", "before", phoneNumberId: "5550009990000"));
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(body, OldSecret)).StatusCode);

        // Rotated: the new secret, and the old one until the overlap ends.
        await host.ScalarAsync<int>("""
            update meta.apps set app_secret_enc = @secret, previous_secret_enc = @previous, previous_secret_until = now() + interval '1 hour'
            where meta_app_id = @AppId returning 1
            """, new { AppId, secret = protector.Protect(NewSecret, SecretPlace.AppSecret(AppId)), previous = protector.Protect(OldSecret, SecretPlace.PreviousAppSecret(AppId)) });
        await Secrets.LoadAsync(CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(Encoding.UTF8.GetBytes(Payloads.Text("wamid.rotation-1", "34611200001", "old", phoneNumberId: "5550009990000")), OldSecret)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(Encoding.UTF8.GetBytes(Payloads.Text("wamid.rotation-2", "34611200002", "new", phoneNumberId: "5550009990000")), NewSecret)).StatusCode);

        // The overlap is over: the old secret is refused, the new one still accepted.
        await host.ScalarAsync<int>("update meta.apps set previous_secret_until = now() - interval '1 second' where meta_app_id = @AppId returning 1", new { AppId });
        await Secrets.LoadAsync(CancellationToken.None);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.PostAsync(Encoding.UTF8.GetBytes(Payloads.Text("wamid.rotation-3", "34611200003", "late", phoneNumberId: "5550009990000")), OldSecret, $"/webhook/{AppId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(Encoding.UTF8.GetBytes(Payloads.Text("wamid.rotation-4", "34611200004", "fine", phoneNumberId: "5550009990000")), NewSecret, $"/webhook/{AppId}")).StatusCode);
    }

    [Fact]
    public async Task The_handshake_and_signed_events_are_recorded_on_the_app()
    {
        // The secrets as they are now (the host's first load runs in the background; on a loaded machine it may not
        // have finished, and the handshake would be refused for want of the app).
        await Secrets.LoadAsync(CancellationToken.None);
        Assert.Null(await SeenAsync("select last_verified_at from meta.apps where meta_app_id = @DemoAppId", new { WebhookHost.DemoAppId }));
        var refused = await host.Client.GetAsync($"/webhook/{WebhookHost.DemoAppId}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=42");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Null(await SeenAsync("select last_verified_at from meta.apps where meta_app_id = @DemoAppId", new { WebhookHost.DemoAppId }));
        var verified = await host.Client.GetAsync($"/webhook/{WebhookHost.DemoAppId}?hub.mode=subscribe&hub.verify_token={WebhookHost.VerifyToken}&hub.challenge=42");
        Assert.Equal("42", await verified.Content.ReadAsStringAsync());
        Assert.NotNull(await SeenAsync("select last_verified_at from meta.apps where meta_app_id = @DemoAppId", new { WebhookHost.DemoAppId }));

        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(Encoding.UTF8.GetBytes(Payloads.Text("wamid.seen-1", "34611300001", "hola")))).StatusCode);
        // Flushed by the refresher every interval, or here; either may take the mark first, so wait for the write.
        DateTime? seen = null;
        for (var i = 0; i < 50 && seen is null; i++)
        {
            await Secrets.FlushSeenAsync(CancellationToken.None);
            seen = await SeenAsync("select last_signed_event_at from meta.apps where meta_app_id = @DemoAppId", new { WebhookHost.DemoAppId });
            if (seen is null) await Task.Delay(100);
        }
        Assert.NotNull(seen);
    }

    [Fact]
    public async Task The_handshake_of_an_app_connected_after_the_last_load_succeeds_without_waiting_for_the_refresh()
    {
        const string LateApp = "300000000000004";
        var protector = new SecretProtector(WebhookHost.MasterKey);
        await Secrets.LoadAsync(CancellationToken.None);
        await host.ScalarAsync<long>("""
            insert into meta.apps (meta_app_id, name, app_secret_enc, verify_token_enc) values (@LateApp, 'Late', @secret, @token) returning id
            """, new { LateApp, secret = protector.Protect(OldSecret, SecretPlace.AppSecret(LateApp)), token = protector.Protect("late-verify", SecretPlace.VerifyToken(LateApp)) });
        // Misses reload at most every 5 s (a flood of wrong tokens is not a flood of queries).
        await Task.Delay(TimeSpan.FromSeconds(5.2));
        var verified = await host.Client.GetAsync($"/webhook/{LateApp}?hub.mode=subscribe&hub.verify_token=late-verify&hub.challenge=77");
        Assert.Equal("77", await verified.Content.ReadAsStringAsync());
        // A wrong token is still refused after the reload.
        Assert.Equal(HttpStatusCode.Forbidden,
            (await host.Client.GetAsync($"/webhook/{LateApp}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=77")).StatusCode);
    }
}
