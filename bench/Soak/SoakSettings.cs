using MultichannelMessages.MassBench;

namespace MultichannelMessages.Soak;

/// <summary>The soak's addresses, secrets and rates (per second), as bench/soak.sh passes them.</summary>
public sealed record SoakSettings(string Db, Uri Webhook, IReadOnlyDictionary<string, Uri> Metrics, Uri Core, Uri Meta, Uri OpenAi, string AppSecret,
    string DemoPassword, string AccessToken, double Minutes, double SampleSeconds, double InboundRate, double ReplyRate, double CampaignRate,
    double AiRate, double BotRate, int AiLatencyMs, SupportLine Line, IReadOnlyDictionary<string, int> Pids, int Postmaster, string Csv)
{
    /// <summary>The demo number the AI agent answers (seed-demo with its OpenAI address) and the campaign goes out on.</summary>
    public const string AiNumber = "1122334455667";
    /// <summary>The demo's US number, where the Demo menu flow starts new conversations.</summary>
    public const string BotNumber = "106540352242922";
    /// <summary>Customers' wa_id prefixes: campaign recipients, the AI agent's customers, the bot's.</summary>
    public const string CampaignPrefix = "3491";
    public const string AiPrefix = "3493";
    public const string BotPrefix = "3494";

    public static SoakSettings From(BenchOptions o) => new(
        o.Text("db"), new Uri(o.Text("webhook")),
        new Dictionary<string, Uri>
        {
            ["webhook"] = new(o.Text("webhook-metrics")), ["core"] = new(new Uri(o.Text("core")), "/metrics"), ["worker"] = new(o.Text("worker-metrics")),
        },
        new Uri(o.Text("core")), new Uri(o.Text("meta")), new Uri(o.Text("openai")), o.Text("secret"), o.Text("password"), o.Text("access-token"),
        o.Number("minutes", 60), o.Number("sample-seconds", 60), o.Number("inbound-rate", 10), o.Number("reply-rate", 3),
        o.Number("campaign-rate", 10), o.Number("ai-rate", 0.5), o.Number("bot-rate", 0.5), o.Int("ai-latency-ms", 800),
        new SupportLine(o.Text("line"), o.Text("line-waba"), o.Text("line-display"), o.Int("customers", 3000)),
        o.Text("pids").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('='))
            .ToDictionary(p => p[0], p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture)),
        o.Int("postmaster", 0), o.Text("csv"));
}
