using MultichannelMessages.OpenAiSandbox.Apis;
using MultichannelMessages.OpenAiSandbox.Extensions;

// The OpenAI sandbox: a stand-in for api.openai.com/v1 (chat completions, embeddings, transcriptions) answering from
// rules and scripts, for local runs, end-to-end tests and the demo. Not a production service; no database.
// Environment variables are read with the prefix MM_OPENAI_ (MM_OPENAI_Sandbox__ApiKeys__0=…), not MM_: `./mm run`
// exports the Meta sandbox's MM_Sandbox__* settings, and the two sandboxes' sections must not mix.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = SandboxHosting.ContentRoot() });
builder.Configuration.AddEnvironmentVariables("MM_OPENAI_");
builder.AddOpenAiSandbox();

var app = builder.Build();
app.UseOpenAiErrors();
app.MapSandboxHealth();
app.MapOpenAiApi();
app.MapSandboxApi();
app.Run();

public partial class Program;
