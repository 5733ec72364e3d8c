using Npgsql;

namespace MultichannelMessages.WebhookApi.Ingestion;

/// <summary>
/// One stage's own connection with its stg_* tables (temp tables live per session: each stage of ingestion has its
/// set). Committed batches leave their rows in the staging tables; they are emptied before the next batch, after the
/// acknowledgements (see db/functions/020_meta_ingest_staging.sql).
/// </summary>
internal sealed class StagingConnection(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    private NpgsqlConnection? _connection;
    private int _analyzedAtBatchSize;
    private bool _holdsRows;
    private int _resetsSinceVacuum;

    /// <summary>The open connection with empty staging tables.</summary>
    public async Task<NpgsqlConnection> ReadyAsync(CancellationToken ct)
    {
        if (_connection is not { State: System.Data.ConnectionState.Open })
        {
            await DropAsync();
            var connection = await dataSource.OpenConnectionAsync(ct);
            // A pooled session is not reset on close (DatabaseExtensions.WithoutResetOnClose): whatever temp tables an
            // earlier user left go first — staged rows of a batch whose emptying failed, or another loop's ON COMMIT
            // DELETE ROWS tables, which every commit here would then truncate.
            await using (var setup = new NpgsqlCommand("discard temp; select meta.create_ingest_staging()", connection))
                await setup.ExecuteNonQueryAsync(ct);
            _connection = connection;
        }
        await EmptyAsync(ct);
        return _connection;
    }

    /// <summary>A batch committed: its rows stay staged until <see cref="EmptyAsync"/>.</summary>
    public void Committed() => _holdsRows = true;

    public async Task EmptyAsync(CancellationToken ct)
    {
        if (!_holdsRows || _connection is null) return;
        await using var reset = new NpgsqlCommand("select meta.reset_ingest_staging()", _connection);
        await reset.ExecuteNonQueryAsync(ct);
        _holdsRows = false;
        if (++_resetsSinceVacuum >= 50)
        {
            // Temp tables are never autovacuumed; without this the deleted rows pile up and every scan slows.
            await using var vacuum = new NpgsqlCommand(
                "vacuum stg_events, stg_messages, stg_media, stg_statuses, stg_business, stg_new_events, stg_new_messages, stg_new_statuses",
                _connection);
            await vacuum.ExecuteNonQueryAsync(ct);
            _resetsSinceVacuum = 0;
        }
    }

    /// <summary>Staging statistics are refreshed when the batch size moved by 4x since they were taken: plans then
    /// follow the load, but are not rebuilt on every batch (see db/functions/100_meta_ingest_staged.sql).</summary>
    public bool NeedsFreshStatistics(int batchSize) =>
        _analyzedAtBatchSize == 0 || batchSize >= 4 * _analyzedAtBatchSize || 4 * batchSize <= _analyzedAtBatchSize;

    public void Analyzed(int batchSize) => _analyzedAtBatchSize = batchSize;

    /// <summary>After a failure: the next batch opens a new connection (the old one may be broken or mid-transaction).</summary>
    public async Task DropAsync()
    {
        if (_connection is null) return;
        try { await _connection.DisposeAsync(); } catch (NpgsqlException) { }
        _connection = null;
        _analyzedAtBatchSize = 0;
        _holdsRows = false;
    }

    public async ValueTask DisposeAsync() => await DropAsync();
}
