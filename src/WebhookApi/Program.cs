using MultichannelMessages.Platform.Hosting;
using MultichannelMessages.WebhookApi.Apis;
using MultichannelMessages.WebhookApi.Extensions;
using MultichannelMessages.WebhookApi.Ingestion;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(IngestMetrics.MeterName);
builder.AddWebhookIngestion();

var app = builder.Build();
app.UseExceptionHandler();
app.MapDefaultEndpoints();
app.MapWebhookApi();
app.Run();

public partial class Program;
