using MultichannelMessages.Platform.Hosting;
using MultichannelMessages.WebhookApi.Apis;
using MultichannelMessages.WebhookApi.Extensions;
using MultichannelMessages.WebhookApi.Ingestion;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(IngestMetrics.MeterName);
builder.AddWebhookIngestion();
// Internet-facing: /metrics and the detailed /health live on the loopback management port only.
builder.AddManagementPort();

var app = builder.Build();
app.UseExceptionHandler();
app.MapPublicAndManagementEndpoints();
app.MapWebhookApi();
app.Run();

public partial class Program;
