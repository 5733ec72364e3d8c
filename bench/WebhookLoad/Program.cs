using MultichannelMessages.WebhookLoad;

if (LoadOptions.WantsHelp(args)) { Console.WriteLine(LoadOptions.Usage); return 0; }
var options = LoadOptions.Parse(args, Console.Error);
if (options is null) return 2;
if (options.Bare && options.Secret.Length == 0) options = options with { Secret = "bench-bare-secret" };

await using var bare = options.Bare ? await BareServer.StartAsync() : null;
var target = bare?.Url ?? options.Url;

// Closed-loop sends as many as the server takes: pre-sign what the budget holds, sign the rest inline.
var payload = new WhatsAppPayload(options);
var wanted = options.ClosedLoop ? long.MaxValue : (long)Math.Ceiling(options.Rate * (options.WarmupSeconds + options.DurationSeconds));
var payloads = new PayloadSource(payload, wanted, options.PregenMegabytes);
Console.WriteLine($"pre-signed {payloads.Pregenerated} bodies in {payloads.PregenTime.TotalSeconds:0.00} s; target {target}");

var recorder = new RunRecorder(keepAcked: options.AckedFile is not null);
using var sender = new WebhookSender(options, target, payloads, recorder);
var window = RunWindow.Starting(TimeSpan.FromMilliseconds(100),
    TimeSpan.FromSeconds(options.WarmupSeconds), TimeSpan.FromSeconds(options.DurationSeconds));
var cost = GeneratorCost.MeasureAsync(window);
await (options.ClosedLoop
    ? ClosedLoop.RunAsync(options, sender, recorder, window)
    : OpenLoop.RunAsync(options, sender, recorder, window));

var report = RunReport.Create(options, target, payload, payloads, recorder, await cost);
report.WriteSummary(Console.Out);
if (options.JsonFile is { } json) await report.WriteJsonAsync(json);
if (options.AckedFile is { } acked)
    await File.WriteAllLinesAsync(acked, recorder.AckedInOrder().Select(payload.Wamid));
return 0;
