using MultichannelMessages.Platform.Hosting;
using MultichannelMessages.Worker.Extensions;
using MultichannelMessages.Worker.Outbox;

// The Worker: everything outbound and scheduled, the only process that calls Meta or OpenAI. Loops so far: the outbox pump
// (sends with pacing, retries, dead letters; media files uploaded first), the media download loop, the shared
// inbox's loops (auto-assignment, lock expiry, internal-chat purge), template submission and sync, the AI agents (with
// customers' media turned into text and the agents' manual), validation of accounts connected from the console,
// WhatsApp calls (the Calling API's actions and the ring timeout), the dashboards' rollups, imports queued from the console, retention of what the
// platform keeps only for a while, and the heartbeats that report each loop's liveness.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(OutboxMetrics.MeterName);
builder.AddGraphClient();
builder.AddOutboxPump();
builder.AddMassSends();
builder.AddTeamLoops();
builder.AddTemplateLoops();
builder.AddAccountValidation();
builder.AddMedia();
builder.AddAiAgents();
builder.AddBots();
builder.AddCalls();
builder.AddAiMedia();
builder.AddAiManual();
builder.AddDashboardRollups();
builder.AddImports();
builder.AddRetention();
builder.AddHeartbeats();

var app = builder.Build();
app.UseExceptionHandler();
app.MapDefaultEndpoints();
app.Run();

public partial class Program;
