using MultichannelMessages.MetaSandbox.Apis;
using MultichannelMessages.MetaSandbox.Extensions;

// The Meta sandbox: a stand-in for graph.facebook.com and for Meta's webhooks, for local runs, end-to-end tests and
// benchmarks. Not a production service; no database.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = SandboxHosting.ContentRoot() });
builder.Configuration.AddEnvironmentVariables("MM_");
builder.AddMetaSandbox();

var app = builder.Build();
app.UseGraphErrors();
app.MapSandboxHealth();
app.MapGraphApi();
app.MapSandboxApi();
app.Run();

public partial class Program;
