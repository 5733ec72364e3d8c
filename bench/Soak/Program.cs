using Dapper;
using MultichannelMessages.MassBench;
using MultichannelMessages.Soak;
using Npgsql;

// A soak (issue 19), driven by bench/soak.sh, which starts a fresh database (migrated, seed-demo with the AI agent),
// the Webhook API (Durable), the Core API, the Worker, the Meta sandbox and the OpenAI sandbox, and passes:
//   Soak --db CONN --webhook URL --webhook-metrics URL --core URL --worker-metrics URL --meta URL --openai URL --secret S
//        --password P --access-token T --line ID --line-waba ID --line-display N --pids name=pid,… --postmaster PID --csv FILE
//        [--minutes 60] [--sample-seconds 60] [--inbound-rate 10] [--reply-rate 3] [--campaign-rate 10] [--ai-rate 0.5]
//        [--bot-rate 0.5] [--ai-latency-ms 800] [--customers 3000]
// Exit code 1 when anything was sent twice.
var s = SoakSettings.From(new BenchOptions(args));
var run = DateTime.UtcNow.ToString("HHmmss", System.Globalization.CultureInfo.InvariantCulture);
await using var db = NpgsqlDataSource.Create(s.Db);
var tracking = new Tracking();

// Three people answer the support line; the admin among them also connects it.
var agents = await Task.WhenAll(new[] { "agent@demo.local", "supervisor@demo.local", "admin@demo.local" }
    .Select(email => Agent.SignInAsync(s.Core, email, s.DemoPassword)));
var platform = await SoakSetup.RunAsync(s, db, agents[^1]);
// Each has the console open; the first one's pushes are timed (the others' are load, as a team's consoles are).
var consoles = new List<ConsoleFeed>();
for (var i = 0; i < agents.Length; i++)
    consoles.Add(await ConsoleFeed.ConnectAsync(s.Core, agents[i], platform.ProjectId, i == 0 ? tracking.Pushes : null, tracking.Counters));

using var sandbox = new SandboxWatch(s.Meta);
int Limit(double perSecond) => (int)Math.Max(300, perSecond * s.SampleSeconds * 4);
sandbox.Watch($"account_id={s.Line.PhoneNumberId}&type=text", Limit(s.ReplyRate), sent => sent.Text, tracking.Replies);
sandbox.Watch($"account_id={SoakSettings.AiNumber}&type=text", Limit(s.AiRate), sent => sent.To, tracking.AiAnswers);
sandbox.Watch($"account_id={SoakSettings.BotNumber}", Limit(s.BotRate * 2), sent => sent.To, tracking.BotAnswers);

using var support = new SupportCustomers(s.Line, s.Webhook, s.AppSecret, run, tracking.Counters, tracking.Latencies.WebhookAck, tracking.Pushes);
using var aiCustomers = new ScriptedCustomers(s.Meta, SoakSettings.AiNumber, SoakSettings.AiPrefix, Scripts.Ai, 5, tracking.AiAnswers, tracking.Counters);
using var botCustomers = new ScriptedCustomers(s.Meta, SoakSettings.BotNumber, SoakSettings.BotPrefix, Scripts.Bot, 5, tracking.BotAnswers, tracking.Counters);
var sampler = new Sampler(tracking, new SampleSources(db, s.Metrics, s.Meta, s.Pids, s.Postmaster, consoles[0],
    platform.CampaignId, sandbox), s.Csv);
await sampler.StartAsync();

Console.WriteLine($"soak {run}: {s.Minutes} min — customers {s.InboundRate}/s on the support line ({s.Line.Customers} customers), agents " +
                  $"{s.ReplyRate}/s, campaign {s.CampaignRate}/s, AI turns {s.AiRate}/s, bot messages {s.BotRate}/s; a sample every {s.SampleSeconds} s");
using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(s.Minutes));
var c = tracking.Counters;
var traffic = Task.WhenAll(
    OpenLoop.RunAsync(s.InboundRate, support.WriteAsync, c, stop.Token),
    OpenLoop.RunAsync(s.ReplyRate, n => agents[n % agents.Length].ReplyAsync(n, run, platform.ProjectId, platform.SupportAccountId,
        tracking.Latencies, tracking.Replies, c), c, stop.Token),
    OpenLoop.RunAsync(s.AiRate, aiCustomers.WriteAsync, c, stop.Token),
    OpenLoop.RunAsync(s.BotRate, botCustomers.WriteAsync, c, stop.Token));
await sampler.RunAsync(TimeSpan.FromSeconds(s.SampleSeconds), (int)Math.Round(s.Minutes * 60 / s.SampleSeconds));
await traffic;

// What was sent just before the stop reaches Meta within seconds; then the campaign is stopped as an operator would.
await Task.Delay(TimeSpan.FromSeconds(20));
await sandbox.PollAsync();
await using (var connection = await db.OpenConnectionAsync())
    await connection.ExecuteAsync("update mass.campaigns set status = 'stopped', updated_at = now() where id = @id", new { id = platform.CampaignId });
await Task.Delay(TimeSpan.FromSeconds(3));

var clean = await Totals.ReportAsync(tracking, sandbox, db, platform, run);
Summary.Print(sampler.Rows);
foreach (var console in consoles) await console.DisposeAsync();
foreach (var agent in agents) agent.Dispose();
return clean ? 0 : 1;
