namespace MultichannelMessages.Migrator;

/// <summary>
/// A migration or function script the database refused. The message is the one sentence the Migrator prints: the
/// script's name and the database's own error. The script's transaction was rolled back; the scripts before it stay.
/// </summary>
public sealed class MigrationFailedException(string script, string databaseError, Exception inner)
    : Exception($"Migration stopped at {script}: {databaseError} (the scripts before it are applied; fix the cause and migrate again).", inner);
