using System.Security.Cryptography;
using System.Text;
using Dapper;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.Platform.Secrets;
using Npgsql;

namespace MultichannelMessages.WebhookApi.Signatures;

/// <summary>
/// The configured Meta apps with their secrets decrypted in memory only. Meta does not say in the request which
/// app signed it, so a POST is checked against every active app (a handful; one HMAC each), or against one app
/// when the route names it (/webhook/{metaAppId}). The app found is recorded on the raw event (webhook_events.app_id)
/// and normalization matches accounts within it (db/functions/100_meta_ingest_staged.sql).
/// </summary>
public sealed class AppSecrets(NpgsqlDataSource dataSource, SecretProtector protector, ILogger<AppSecrets> logger)
{
    private static readonly TimeSpan MissRefreshInterval = TimeSpan.FromSeconds(5);

    /// <summary>How often apps are reloaded and their signed events recorded.</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(30);
    private volatile IReadOnlyList<MetaApp> _apps = [];
    private long _lastLoadTicks;
    private readonly SemaphoreSlim _loading = new(1, 1);

    /// <param name="PreviousSecret">The secret a rotation replaced, while its overlap lasts (null otherwise).</param>
    public sealed record MetaApp(long Id, string MetaAppId, byte[] AppSecret, byte[] VerifyToken, byte[]? PreviousSecret = null);

    // Apps whose signed events arrived since the last flush: the refresher writes last_signed_event_at for them, once
    // per interval, never per event on the hot path.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, byte> _seen = new();

    public void MarkSeen(long appId) => _seen.TryAdd(appId, 0);

    /// <summary>Records which apps' signed events arrived since the last call (one UPDATE for all of them).</summary>
    public async Task FlushSeenAsync(CancellationToken ct)
    {
        var ids = _seen.Keys.ToArray();
        if (ids.Length == 0) return;
        foreach (var id in ids) _seen.TryRemove(id, out _);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("select meta.app_seen(@ids, false)", new { ids }, cancellationToken: ct));
    }

    /// <summary>Meta's subscription handshake succeeded for this app: the console shows the wiring works.</summary>
    public async Task MarkVerifiedAsync(long appId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("select meta.app_seen(@ids, true)", new { ids = new[] { appId } }, cancellationToken: ct));
    }

    public async Task LoadAsync(CancellationToken ct)
    {
        await _loading.WaitAsync(ct);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var rows = await connection.QueryAsync<(long Id, string MetaAppId, byte[] AppSecretEnc, byte[] VerifyTokenEnc, byte[]? PreviousEnc)>(
                new CommandDefinition("select id, meta_app_id, app_secret_enc, verify_token_enc, previous_secret_enc from meta.list_active_apps()",
                    cancellationToken: ct));
            var apps = new List<MetaApp>();
            foreach (var r in rows)
            {
                try
                {
                    apps.Add(new MetaApp(r.Id, r.MetaAppId, protector.UnprotectBytes(r.AppSecretEnc, SecretPlace.AppSecret(r.MetaAppId)),
                        protector.UnprotectBytes(r.VerifyTokenEnc, SecretPlace.VerifyToken(r.MetaAppId)),
                        r.PreviousEnc is null ? null : protector.UnprotectBytes(r.PreviousEnc, SecretPlace.PreviousAppSecret(r.MetaAppId))));
                }
                catch (CryptographicException ex) { SignatureLog.UndecryptableApp(logger, r.MetaAppId, ex.Message); }
            }
            foreach (var shared in apps.GroupBy(a => Convert.ToHexString(a.AppSecret)).Where(g => g.Count() > 1))
                SignatureLog.SharedSecret(logger, string.Join(", ", shared.Select(a => a.MetaAppId)), shared.First().MetaAppId);
            _apps = apps;
            Interlocked.Exchange(ref _lastLoadTicks, Environment.TickCount64);
        }
        finally { _loading.Release(); }
    }

    /// <summary>The app whose secret produced this signature, or null. Constant-time per comparison. The event is
    /// then applied only to that app's accounts. Two apps sharing a secret (Meta never issues one twice) cannot be
    /// told apart by a signature: the first in id order wins, always the same one, and loading says so.</summary>
    public async Task<MetaApp?> FindSignerAsync(string? signatureHeader, ReadOnlyMemory<byte> body, string? metaAppId, CancellationToken ct)
    {
        if (!TryParseSignature(signatureHeader, out var signature)) return null;
        var signer = Match(signature, body.Span, metaAppId);
        // A miss may mean an app was added since the last load: reload, but not more often than every 5 s,
        // so a flood of forged requests cannot turn into a flood of queries.
        if (signer is null && Environment.TickCount64 - Interlocked.Read(ref _lastLoadTicks) > MissRefreshInterval.TotalMilliseconds)
        {
            await LoadAsync(ct);
            signer = Match(signature, body.Span, metaAppId);
        }
        return signer;
    }

    /// <summary>The app whose verify token this is. Meta's handshake comes right after an admin connects an app, so a
    /// miss reloads (at most every 5 s, as a signer's miss does) rather than refusing until the next refresh.</summary>
    public async Task<MetaApp?> FindByVerifyTokenAsync(string token, string? metaAppId, CancellationToken ct)
    {
        var app = FindByVerifyToken(token, metaAppId);
        if (app is null && Environment.TickCount64 - Interlocked.Read(ref _lastLoadTicks) > MissRefreshInterval.TotalMilliseconds)
        {
            await LoadAsync(ct);
            app = FindByVerifyToken(token, metaAppId);
        }
        return app;
    }

    private MetaApp? FindByVerifyToken(string token, string? metaAppId)
    {
        var bytes = Encoding.UTF8.GetBytes(token);
        return _apps.FirstOrDefault(a => (metaAppId is null || a.MetaAppId == metaAppId)
            && CryptographicOperations.FixedTimeEquals(a.VerifyToken, bytes));
    }

    private MetaApp? Match(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> body, string? metaAppId)
    {
        Span<byte> computed = stackalloc byte[32];
        foreach (var app in _apps)
        {
            if (metaAppId is not null && app.MetaAppId != metaAppId) continue;
            HMACSHA256.HashData(app.AppSecret, body, computed);
            if (CryptographicOperations.FixedTimeEquals(computed, signature)) return app;
            // During a rotation's overlap, events Meta signed with the previous secret still verify.
            if (app.PreviousSecret is { } previous)
            {
                HMACSHA256.HashData(previous, body, computed);
                if (CryptographicOperations.FixedTimeEquals(computed, signature)) return app;
            }
        }
        return null;
    }

    /// <summary>"sha256=" followed by 64 hex digits (Meta sends lowercase; either case is accepted).</summary>
    private static bool TryParseSignature(string? header, out byte[] signature)
    {
        signature = [];
        const string prefix = "sha256=";
        if (header is null || header.Length != prefix.Length + 64 || !header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            return false;
        try { signature = Convert.FromHexString(header.AsSpan(prefix.Length)); return true; }
        catch (FormatException) { return false; }
    }
}

/// <summary>Reloads the apps every <see cref="AppSecrets.RefreshInterval"/>, and at once when the database says an app
/// changed (NOTIFY meta_apps, migration 0049): an app registered or rotated in the console verifies Meta's first
/// webhook signed with it.</summary>
public sealed class AppSecretsRefresher(AppSecrets secrets, NpgsqlDataSource dataSource, ILogger<AppSecretsRefresher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _changed = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listening = NotificationListener.RunAsync(dataSource, "meta_apps", Changed, logger, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await secrets.FlushSeenAsync(stoppingToken);
                await secrets.LoadAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException) { SignatureLog.LoadFailed(logger, ex); }
            try { await _changed.WaitAsync(secrets.RefreshInterval, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
        await listening;
    }

    /// <summary>Several notifications while a load runs collapse into one more load.</summary>
    private void Changed()
    {
        try { _changed.Release(); }
        catch (SemaphoreFullException) { }
    }
}

internal static partial class SignatureLog
{
    [LoggerMessage(100, LogLevel.Error, "Meta app {MetaAppId} has secrets that cannot be decrypted with the configured master key: {Reason}")]
    public static partial void UndecryptableApp(ILogger logger, string metaAppId, string reason);

    [LoggerMessage(102, LogLevel.Error, "Meta apps {MetaAppIds} share one app secret: their signed events are all attributed to {ChosenMetaAppId} and reach only its accounts")]
    public static partial void SharedSecret(ILogger logger, string metaAppIds, string chosenMetaAppId);

    [LoggerMessage(101, LogLevel.Warning, "Loading Meta app secrets failed; keeping the previous set")]
    public static partial void LoadFailed(ILogger logger, Exception exception);
}
