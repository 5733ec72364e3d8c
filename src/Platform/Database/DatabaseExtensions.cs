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
        return services;
    }
}
