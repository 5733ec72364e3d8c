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
}

/// <summary>Where lag-tolerant reads go: the replica when one is configured, else the primary. Reads that must see the
/// caller's own write (a thread after a send, a layout after saving it) keep using the primary data source.</summary>
public sealed class ReadReplica(NpgsqlDataSource source, bool isReplica)
{
    public NpgsqlDataSource Source { get; } = source;
    public bool IsReplica { get; } = isReplica;
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
            return builder.Build();
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            if (options.ReadOnlyConnectionString.Length == 0) return new ReadReplica(sp.GetRequiredService<NpgsqlDataSource>(), false);
            var builder = new NpgsqlDataSourceBuilder(options.ReadOnlyConnectionString);
            builder.ConnectionStringBuilder.ApplicationName ??= AppDomain.CurrentDomain.FriendlyName + " (replica)";
            return new ReadReplica(builder.Build(), true);
        });
        return services;
    }
}
