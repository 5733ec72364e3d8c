using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MultichannelMessages.Platform.Database;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    [Required(ErrorMessage = "Database:ConnectionString is required (MM_Database__ConnectionString).")]
    public string ConnectionString { get; set; } = "";

    /// <summary>A read-only server (a streaming replica) for the reads that may lag a little behind: dashboards'
    /// tiles and their CSV, and search (docs/operations.md). Empty: those reads go to the primary too.</summary>
    public string ReadOnlyConnectionString { get; set; } = "";

    /// <summary>How many of its most used statements each pooled connection keeps prepared (Npgsql's automatic
    /// preparation; 0: none). A prepared statement is parsed and planned once per connection instead of on every call:
    /// the AI turn's reads, whose SQL functions are inlined and planned with each call, cost 1.8 ms of the database's CPU
    /// unprepared and 0.36 ms prepared (bench/RESULTS.md, 2026-12-07). The Worker, whose loops repeat the same
    /// statements all day, sets it (its appsettings.json); a connection string that names <c>Max Auto Prepare</c> keeps
    /// its own.</summary>
    [Range(0, 10_000)]
    public int MaxAutoPrepare { get; set; }
}

/// <summary>Where lag-tolerant reads go: the replica when one is configured, else the primary. Reads that must see the
/// caller's own write (a thread after a send, a layout after saving it) keep using the primary data source.
/// A replica that cannot be reached does not take those reads down: they go to the primary, and the replica is not
/// tried again for <see cref="RetryAfter"/> (a down replica would otherwise cost every read its connect timeout).</summary>
public sealed class ReadReplica(NpgsqlDataSource primary, NpgsqlDataSource? replica, TimeProvider time)
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    private long _downUntil;

    /// <summary>The replica's data source (for its health check), or null when none is configured.</summary>
    public NpgsqlDataSource? Replica { get; } = replica;
    public bool IsReplica => Replica is not null;

    /// <summary>When the replica last failed to answer and the reads went to the primary instead (null: never).</summary>
    public DateTimeOffset? FellBackAt { get; private set; }

    /// <summary>Runs a read on the replica, or on the primary when there is none or it cannot answer: a failed connect, a
    /// connection the replica's restart broke (pooled connections die with it), a replica shutting down or starting.
    /// Only reads come here, so running one again on the primary is safe.</summary>
    public async Task<T> ReadAsync<T>(Func<NpgsqlConnection, Task<T>> read, CancellationToken ct)
    {
        if (ReplicaUp)
        {
            try
            {
                await using var connection = await Replica!.OpenConnectionAsync(ct);
                return await read(connection);
            }
            catch (Exception ex) when (IsReplicaGone(ex) && !ct.IsCancellationRequested)
            {
                MarkDown();
            }
        }
        await using var fallback = await primary.OpenConnectionAsync(ct);
        return await read(fallback);
    }

    /// <summary>A read that streams as it goes (a CSV export written to the response page by page): on the replica when
    /// one answers the connect, else on the primary. Unlike <see cref="ReadAsync{T}"/>, a failure once it has begun is
    /// not run again on the primary — part of it is already on its way to the client — and the request fails.</summary>
    public async Task StreamAsync(Func<NpgsqlConnection, Task> read, CancellationToken ct)
    {
        NpgsqlConnection? connection = null;
        if (ReplicaUp)
        {
            try
            {
                connection = await Replica!.OpenConnectionAsync(ct);
                // An idle pooled connection opens without a word even when the replica went away since: one round trip
                // proves it before anything is streamed.
                await using (var probe = new NpgsqlCommand("select 1", connection)) await probe.ExecuteScalarAsync(ct);
            }
            catch (Exception ex) when (IsReplicaGone(ex) && !ct.IsCancellationRequested)
            {
                if (connection is not null) await connection.DisposeAsync();
                connection = null;
                MarkDown();
            }
        }
        await using var opened = connection ?? await primary.OpenConnectionAsync(ct);
        await read(opened);
    }

    private bool ReplicaUp => Replica is not null && time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _downUntil);

    /// <summary>Reads go to the primary for <see cref="RetryAfter"/>. The idle connections to a replica that went away
    /// are dead too: opened again when it is retried.</summary>
    private void MarkDown()
    {
        FellBackAt = time.GetUtcNow();
        Interlocked.Exchange(ref _downUntil, (time.GetUtcNow() + RetryAfter).UtcTicks);
        Replica!.Clear();
    }

    private static bool IsReplicaGone(Exception ex) => ex switch
    {
        // 08: connection exceptions; 57P: shutting down, crashed, starting ("cannot connect now").
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException => true, // network, broken connection, connect failure
        TimeoutException => true,
        _ => false,
    };
}

public static class DatabaseExtensions
{
    /// <summary>One NpgsqlDataSource per service (STYLE.md §7): pooled connections, one place to configure them.</summary>
    public static IServiceCollection AddPlatformDatabase(this IServiceCollection services)
    {
        // Database functions return snake_case columns; records and classes use PascalCase.
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
            builder.ConnectionStringBuilder.ApplicationName ??= AppDomain.CurrentDomain.FriendlyName;
            WithoutJit(builder.ConnectionStringBuilder);
            WithoutResetOnClose(builder.ConnectionStringBuilder, options.ConnectionString);
            WithLongIdleLifetime(builder.ConnectionStringBuilder, options.ConnectionString);
            WithAutoPrepare(builder.ConnectionStringBuilder, options.ConnectionString, options.MaxAutoPrepare);
            return builder.Build();
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var primary = sp.GetRequiredService<NpgsqlDataSource>();
            var time = sp.GetService<TimeProvider>() ?? TimeProvider.System;
            if (options.ReadOnlyConnectionString.Length == 0) return new ReadReplica(primary, null, time);
            var builder = new NpgsqlDataSourceBuilder(options.ReadOnlyConnectionString);
            builder.ConnectionStringBuilder.ApplicationName ??= AppDomain.CurrentDomain.FriendlyName + " (replica)";
            WithoutJit(builder.ConnectionStringBuilder);
            WithoutResetOnClose(builder.ConnectionStringBuilder, options.ReadOnlyConnectionString);
            WithLongIdleLifetime(builder.ConnectionStringBuilder, options.ReadOnlyConnectionString);
            // A replica that is down should fail fast: the read falls back to the primary (ReadReplica).
            if (new NpgsqlConnectionStringBuilder(options.ReadOnlyConnectionString).Timeout == 15) builder.ConnectionStringBuilder.Timeout = 3;
            return new ReadReplica(primary, builder.Build(), time);
        });
        return services;
    }

    /// <summary>
    /// Every service connection runs with <c>jit = off</c> (docs/operations.md, "PostgreSQL settings"): the platform's statements are
    /// index reads, keyset pages and small batches, which JIT never speeds up, but whose row estimates (prefix searches,
    /// generic plans of functions, temp tables without statistics) often cross <c>jit_above_cost</c>, and then each call
    /// pays 40-350 ms of compilation: the search for a rare word took 46-153 ms with it and 6-10 ms without. The
    /// database carries the same default (migration 0062) for psql and the Migrator; this covers databases made from a
    /// template, which do not copy it. An operator who sets <c>jit</c> in the connection string's Options keeps theirs.
    /// </summary>
    public static void WithoutJit(NpgsqlConnectionStringBuilder connection)
    {
        var options = connection.Options ?? "";
        if (options.Contains("jit", StringComparison.OrdinalIgnoreCase)) return;
        connection.Options = (options + " -c jit=off").Trim();
    }

    /// <summary>
    /// Service connections go back to the pool without Npgsql's <c>DISCARD ALL</c> (docs/operations.md, "PostgreSQL
    /// settings"). That reset runs on the next use of every pooled connection, and besides its own cost it invalidates
    /// the session's cached plans: every PL/pgSQL function — and the platform reads and writes through functions —
    /// re-parsed and re-planned each statement on each request, and the staging and rollup temp tables were dropped and
    /// created again on each use (catalog churn). Nothing the services do leaves session state for a later user: their
    /// settings are <c>set local</c> / <c>set_config(…, true)</c>; session locks are released where they are taken
    /// (the import's run lock); LISTEN connections unlisten before going back (<see cref="NotificationListener"/>); and
    /// the temp-table users start a fresh session of theirs with <c>discard temp</c> (ingestion's stages, the import).
    /// The Architecture tests keep it that way. An operator who names the setting keeps theirs.
    /// </summary>
    public static void WithoutResetOnClose(NpgsqlConnectionStringBuilder connection, string configured)
    {
        if (!Names(configured, "NoResetOnClose")) connection.NoResetOnClose = true;
    }

    /// <summary>Idle connections are closed after an hour (<see cref="IdleLifetimeSeconds"/>), not Npgsql's 5 minutes
    /// (docs/operations.md, "PostgreSQL settings"). Npgsql's pruning closes, every idle lifetime, as many connections as
    /// were idle at the median of its samples, and a busy pool always has some idle between bursts: during a campaign the
    /// Worker's pool lost ~25 of its ~50 connections every 5 minutes, and the next burst opened them again at once. A new
    /// backend warms its catalog caches and compiles the functions it calls; 25 of them on two cores stalled every
    /// service for 4–5 s and cost the campaign 6 % of that minute's sends (bench/RESULTS.md). An operator who names the
    /// setting keeps theirs.</summary>
    public static void WithLongIdleLifetime(NpgsqlConnectionStringBuilder connection, string configured)
    {
        if (!Names(configured, "ConnectionIdleLifetime")) connection.ConnectionIdleLifetime = IdleLifetimeSeconds;
    }

    public const int IdleLifetimeSeconds = 3_600;

    /// <summary>Keeps up to <paramref name="maxAutoPrepare"/> statements prepared per connection
    /// (<see cref="DatabaseOptions.MaxAutoPrepare"/>); a connection string that names the setting keeps its own.
    /// Safe with the pool's unreset sessions (<see cref="WithoutResetOnClose"/>): a prepared statement is the
    /// connection's own, and PostgreSQL re-plans it when a table or function it uses changes.</summary>
    public static void WithAutoPrepare(NpgsqlConnectionStringBuilder connection, string configured, int maxAutoPrepare)
    {
        if (maxAutoPrepare > 0 && !Names(configured, "MaxAutoPrepare")) connection.MaxAutoPrepare = maxAutoPrepare;
    }

    private static bool Names(string configured, string key) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = configured }.Keys.Cast<string>()
            .Any(k => k.Replace(" ", "", StringComparison.Ordinal).Equals(key, StringComparison.OrdinalIgnoreCase));
}
