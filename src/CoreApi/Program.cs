using MultichannelMessages.CoreApi.Auth;
using MultichannelMessages.CoreApi.Caching;
using MultichannelMessages.CoreApi.Collaboration;
using MultichannelMessages.CoreApi.Console;
using MultichannelMessages.CoreApi.Conversations;
using MultichannelMessages.CoreApi.Extensions;
using MultichannelMessages.CoreApi.Media;
using MultichannelMessages.CoreApi.Operations;
using MultichannelMessages.CoreApi.Projects;
using MultichannelMessages.CoreApi.Realtime;
using MultichannelMessages.Platform.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(VersionedCache.MeterName);
builder.AddCoreApi();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapAuthApi();
app.MapProjectsApi();
app.MapConversationsApi();
app.MapMediaApi();
app.MapOperationsApi();
app.MapConversationWorkApi();
app.MapTeamApi();
app.MapInternalChatApi();
app.MapSearchApi();
app.MapConsoleApi();
app.MapHub<ConsoleHub>(ConsoleHub.Path);
app.Run();

public partial class Program;
