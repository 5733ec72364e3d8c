using MultichannelMessages.Front.Auth;
using MultichannelMessages.Front.Components;
using MultichannelMessages.Front.Components.Charts;
using MultichannelMessages.Front.Extensions;
using MultichannelMessages.Front.Hardening;
using MultichannelMessages.Platform.Hosting;

// The operator console: Blazor Server, interactive server rendering. No database of its own: it reads and writes
// through the Core API (HTTP with the user's JWT) and receives pushes from the Core API's SignalR hub.
var builder = WebApplication.CreateBuilder(args);
// The launcher and the tests run services from their build output in Production: serve the framework's static
// assets (blazor.web.js) from there too. A published app has no manifest, and this is a no-op.
builder.WebHost.UseStaticWebAssets();
builder.AddServiceBasics();
builder.AddFront();
builder.AddFrontHardening();
builder.AddConsoleKeyRing();
builder.LimitPerCircuitMetrics();

var app = builder.Build();
app.WarnIfKeyRingIsLocal();
// The charts' plotly.js is the cartesian bundle (heat maps), served where Plotly.Blazor asks for its basic one: the path
// is changed before routing, so routing is placed here rather than left implicit at the start (same order as before).
app.UsePlotlyCartesianBundle();
app.UseRouting();
app.UseFrontHardening();
app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseRequestLocalization();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapDefaultEndpoints();
app.MapStaticAssets();
app.MapAccountEndpoints();
app.MapCspReports();
app.MapMediaProxy();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.Run();

public partial class Program;
