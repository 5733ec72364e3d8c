using System.Security.Cryptography;
using Dapper;
using Npgsql;

namespace MultichannelMessages.Migrator;

/// <summary>
/// <c>Migrator operator add EMAIL [--name NAME] [--password-stdin]</c>: makes a platform operator, the first one of an
/// installation included. There is no default password: the password is read from stdin, or a random one is made and
/// printed once. An existing user is promoted (their password unchanged). Recorded in the command log.
/// </summary>
public static class OperatorCommand
{
    public const int MinPasswordLength = 12;

    public static async Task<int> RunAsync(string connectionString, string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length < 2 || args[0] != "add" || !args[1].Contains('@'))
        {
            await stderr.WriteLineAsync("Usage: operator add EMAIL [--name NAME] [--password-stdin]");
            return 2;
        }
        var email = args[1].Trim();
        var name = Option(args, "--name") ?? email.Split('@')[0];
        string? password = null;
        var generated = false;
        if (args.Contains("--password-stdin"))
        {
            password = (await stdin.ReadLineAsync())?.Trim() ?? "";
            if (password.Length < MinPasswordLength)
            {
                await stderr.WriteLineAsync($"The password must be at least {MinPasswordLength} characters.");
                return 1;
            }
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var exists = await connection.ExecuteScalarAsync<bool>("select exists (select 1 from core.users where lower(email) = lower(@email))", new { email });
        if (!exists && password is null)
        {
            password = RandomPassword();
            generated = true;
        }
        // An existing user keeps their password; the hash passed is then unused.
        var hash = password is null ? "" : new Microsoft.AspNetCore.Identity.PasswordHasher<string>().HashPassword(email, password);
        var (userId, created) = await connection.QuerySingleAsync<(long, bool)>(
            "select user_id, created from core.add_operator(@email, @name, @hash)", new { email, name, hash });
        await stdout.WriteLineAsync(created
            ? $"Operator {email} created (user {userId})."
            : $"User {email} (user {userId}) is now an operator; their password is unchanged.");
        if (generated)
            await stdout.WriteLineAsync($"One-time password (shown once, change it after signing in): {password}");
        return 0;
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>20 characters from a 56-character alphabet without look-alikes: about 116 bits.</summary>
    private static string RandomPassword()
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return RandomNumberGenerator.GetString(alphabet, 20);
    }
}
