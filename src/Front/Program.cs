using MultichannelMessages.Platform.Hosting;

// Shell of the Front: starts, connects to the database and answers /health. Its capabilities arrive with the
// issues that build on the ingestion foundation (see README "Roadmap").
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();

var app = builder.Build();
app.UseExceptionHandler();
app.MapDefaultEndpoints();
app.Run();

public partial class Program;
