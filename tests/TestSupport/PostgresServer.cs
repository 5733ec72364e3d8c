using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MultichannelMessages.Migrator;
using Npgsql;

namespace MultichannelMessages.TestSupport;

/// <summary>
/// The PostgreSQL every test of this process talks to: a throwaway cluster started on first use (initdb in a temp
/// folder, a free port, stopped when the process exits), or the server named by MM_TEST_POSTGRES (a connection
/// string whose user may create databases). The schema is migrated once into a template database; each test class
/// then gets its own copy (CREATE DATABASE … TEMPLATE), which takes milliseconds.
/// </summary>
public sealed class PostgresServer
{
    private const string TemplateName = "mm_template";
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);
    private static readonly SemaphoreSlim CreateLock = new(1, 1);
    private static int _counter;

    private readonly string _adminConnectionString;

    private PostgresServer(string adminConnectionString) => _adminConnectionString = adminConnectionString;

    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>A new database with the full schema, private to the caller.</summary>
    public async Task<string> CreateDatabaseAsync(string label)
    {
        var name = $"t_{Environment.ProcessId}_{Interlocked.Increment(ref _counter)}_{new string(label.ToLowerInvariant().Where(char.IsLetterOrDigit).Take(30).ToArray())}";
        await CreateLock.WaitAsync();
        try { await ExecuteAsync(_adminConnectionString, $"create database \"{name}\" template {TemplateName}"); }
        finally { CreateLock.Release(); }
        return WithDatabase(_adminConnectionString, name);
    }

    /// <summary>An empty database (no schema), for migrator tests.</summary>
    public async Task<string> CreateEmptyDatabaseAsync(string label)
    {
        var name = $"e_{Environment.ProcessId}_{Interlocked.Increment(ref _counter)}_{new string(label.ToLowerInvariant().Where(char.IsLetterOrDigit).Take(30).ToArray())}";
        await ExecuteAsync(_adminConnectionString, $"create database \"{name}\"");
        return WithDatabase(_adminConnectionString, name);
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var admin = Environment.GetEnvironmentVariable("MM_TEST_POSTGRES") is { Length: > 0 } given
            ? given
            : PostgresCluster.StartShared();
        await ExecuteAsync(admin, $"drop database if exists {TemplateName}");
        await ExecuteAsync(admin, $"create database {TemplateName}");
        var template = WithDatabase(admin, TemplateName);
        await DatabaseMigrator.MigrateAsync(template, DbFolder());
        NpgsqlConnection.ClearAllPools();
        return new PostgresServer(admin);
    }

    public static string DbFolder()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "db");
        if (Directory.Exists(Path.Combine(beside, "migrations"))) return beside;
        return Path.Combine(RepoRoot(), "db");
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MultichannelMessages.sln"))) return dir.FullName;
        throw new InvalidOperationException("Repository root (MultichannelMessages.sln) not found above " + AppContext.BaseDirectory);
    }

    private static string WithDatabase(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database, Pooling = true }.ConnectionString;

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A new database in <paramref name="adminConnectionString"/>'s server, migrated with the full schema (what a
    /// test with a private cluster needs; the shared server copies its template instead).</summary>
    public static async Task<string> CreateMigratedDatabaseAsync(string adminConnectionString, string name)
    {
        await ExecuteAsync(adminConnectionString, $"create database \"{name}\"");
        var cs = WithDatabase(adminConnectionString, name);
        await DatabaseMigrator.MigrateAsync(cs, DbFolder());
        return cs;
    }
}

/// <summary>
/// initdb + postgres in a temp folder on a free port: the shared server of a test process, or a private one a test
/// stops and starts (a PostgreSQL restart under load) without disturbing the tests that share the other. As root the
/// binaries must run as the postgres user (they refuse root).
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    private readonly string _bin;
    private readonly string _root;
    private readonly string _data;
    private readonly string? _asUser;

    public int Port { get; }
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=30;Command Timeout=120";

    private PostgresCluster(PostgresCluster? primary = null)
    {
        _bin = FindBinDir();
        RemoveAbandonedClusters();
        _root = Directory.CreateTempSubdirectory("mm-test-pg-").FullName;
        _data = Path.Combine(_root, "data");
        _asUser = Environment.UserName == "root" ? "postgres" : null;
        if (_asUser is not null) Run("chown", $"postgres {_root}", null);
        if (primary is null)
            Run(Path.Combine(_bin, "initdb"), $"-D {_data} -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8", _asUser);
        else
            // A streaming replica: a base backup of the primary, with -R writing standby.signal and primary_conninfo
            // (initdb's pg_hba.conf trusts replication connections from 127.0.0.1).
            Run(Path.Combine(_bin, "pg_basebackup"), $"-h 127.0.0.1 -p {primary.Port} -U postgres -D {_data} -R -X stream --no-sync", _asUser);
        Port = ServiceProcess.FreePort();
    }

    /// <summary>A streaming replica of <paramref name="primary"/>, started (read-only; hot standby).</summary>
    public static PostgresCluster StartReplicaOf(PostgresCluster primary)
    {
        var replica = new PostgresCluster(primary);
        replica.StartAgain();
        return replica;
    }

    /// <summary>A new cluster, started. fsync is off: the tests kill services and PostgreSQL's processes, never the
    /// machine, so what PostgreSQL wrote is in the OS's cache and its crash recovery (WAL replay) still runs in full.</summary>
    public static PostgresCluster Start()
    {
        var cluster = new PostgresCluster();
        cluster.StartAgain();
        return cluster;
    }

    /// <summary>The shared server of this test process, stopped and deleted when the process exits.</summary>
    internal static string StartShared()
    {
        var cluster = Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Dispose();
        return cluster.AdminConnectionString;
    }

    /// <summary>Starts the stopped cluster again on the same port and data.</summary>
    public void StartAgain() => Run(Path.Combine(_bin, "pg_ctl"),
        $"-D {_data} -l {_root}/log -w -t 60 -o \"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300\" start",
        _asUser);

    /// <summary>Stops it: "immediate" is a crash (no checkpoint, every connection cut; recovery replays the WAL at the
    /// next start), "fast" a clean shutdown that still cuts every connection.</summary>
    public void Stop(string mode = "immediate") => Run(Path.Combine(_bin, "pg_ctl"), $"-D {_data} -m {mode} -w stop", _asUser);

    public void Dispose()
    {
        try { Stop(); } catch (InvalidOperationException) { }
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>A test host killed by its runner never runs its exit handler: sweep what such runs left behind
    /// (older than 10 minutes, no live postmaster), so repeated runs do not fill the disk.</summary>
    private static void RemoveAbandonedClusters()
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), "mm-test-pg-*"))
        {
            try
            {
                if (Directory.GetCreationTimeUtc(dir) > DateTime.UtcNow.AddMinutes(-10)) continue;
                var pidFile = Path.Combine(dir, "data", "postmaster.pid");
                if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out var pid) && IsAlive(pid)) continue;
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsAlive(int pid)
    {
        try { return !Process.GetProcessById(pid).HasExited; }
        catch (ArgumentException) { return false; }
    }

    private static string FindBinDir()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin"))
            : [];
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            ?? throw new InvalidOperationException("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin; install postgresql-15 or set MM_TEST_POSTGRES.");
    }

    private static void Run(string file, string arguments, string? asUser)
    {
        var info = asUser is null
            ? new ProcessStartInfo(file, arguments)
            : new ProcessStartInfo("runuser", $"-u {asUser} -- {file} {arguments}");
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.WorkingDirectory = "/tmp";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {error} {output.Result}");
    }
}
