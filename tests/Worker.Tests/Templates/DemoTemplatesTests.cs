using MultichannelMessages.Migrator;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Templates;

/// <summary>The demo's templates (what `./mm run` seeds) are valid the way Meta checks them: the Worker submits
/// them to the sandbox and every one comes back approved. Seeding again adds nothing.</summary>
public sealed class DemoTemplatesTests
{
    [Fact]
    public async Task The_demo_templates_are_submitted_and_approved_and_seeding_twice_adds_none()
    {
        var db = await WorkerDatabase.CreateAsync("demotpl");
        await DemoSeeder.SeedTemplatesAsync(db.ConnectionString, db.ProjectId);
        await DemoSeeder.SeedTemplatesAsync(db.ConnectionString, db.ProjectId);
        Assert.Equal(DemoSeeder.Templates.Length, await db.ScalarAsync<long>("select count(*) from meta.templates where project_id = @ProjectId", new { db.ProjectId }));

        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox, ("Templates:PollIntervalMs", "100"), ("Templates:SyncIntervalMs", "300"));

        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>(
                "select count(*) from meta.templates where project_id = @ProjectId and status = 'APPROVED'", new { db.ProjectId }) == DemoSeeder.Templates.Length,
            TimeSpan.FromSeconds(20), "every demo template approved");
        Assert.Equal(["actualizacion_pedido/es", "follow_up/en_US", "order_update/en_US", "seguimiento/es"],
            (await db.QueryAsync<string>("select name || '/' || language from meta.templates order by name")).ToArray());
    }
}
