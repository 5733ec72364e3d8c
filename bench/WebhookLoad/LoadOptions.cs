using System.Globalization;
using System.Net;

namespace MultichannelMessages.WebhookLoad;

/// <summary>The command line, parsed and checked before anything is generated or sent.</summary>
public sealed record LoadOptions
{
    public const string SecretVariable = "MM_BENCH_APP_SECRET";

    public Uri Url { get; init; } = new("http://127.0.0.1:5080/webhook");
    public bool Bare { get; init; }
    public bool AllowRemote { get; init; }
    /// <summary>Events per second, open-loop; 0 means closed-loop at full speed.</summary>
    public double Rate { get; init; } = 1000;
    public double DurationSeconds { get; init; } = 30;
    public double WarmupSeconds { get; init; } = 5;
    public double DrainSeconds { get; init; } = 10;
    public double TimeoutSeconds { get; init; } = 30;
    public int Concurrency { get; init; } = 256;
    public string Secret { get; init; } = "";
    public string WabaId { get; init; } = "1234567890987654321";
    public string PhoneNumberId { get; init; } = "1122334455667";
    public string DisplayPhoneNumber { get; init; } = "972123456789";
    public int Customers { get; init; } = 5000;
    public string RunId { get; init; } = NewRunId();
    public int PregenMegabytes { get; init; } = 512;
    public string? JsonFile { get; init; }
    public string? AckedFile { get; init; }

    public bool ClosedLoop => Rate == 0;

    public const string Usage = """
        WebhookLoad: signed WhatsApp webhook load against the Webhook API (open-loop by default).

          --url URL                 target POST endpoint (default http://127.0.0.1:5080/webhook)
          --bare                    target an in-process Kestrel that reads the body and returns 200 (the ceiling)
          --rate N                  events/s, open-loop; 0 = closed-loop max throughput (default 1000)
          --duration S              measured seconds (default 30)
          --warmup S                seconds sent before measuring, not counted (default 5)
          --concurrency N           max in-flight requests / connections / closed-loop workers (default 256)
          --secret S                app secret for X-Hub-Signature-256 (or env MM_BENCH_APP_SECRET)
          --waba ID                 entry[].id (default 1234567890987654321)
          --phone-number-id ID      metadata.phone_number_id (default 1122334455667)
          --display-phone-number N  metadata.display_phone_number (default 972123456789)
          --customers N             distinct senders the messages are spread over (default 5000)
          --run-id ID               wamids are wamid.bench-<run-id>-<n> (default: time + random)
          --timeout S               per-request timeout (default 30)
          --drain S                 wait for in-flight requests after the run (default 10)
          --pregen-mb N             memory for pre-signed bodies; later ones are signed inline (default 512)
          --json FILE               write the result as JSON
          --acked-file FILE         write every wamid answered 200 (warm-up included), one per line
          --allow-remote            allow a --url that is not a loopback address
        """;

    public static bool WantsHelp(string[] args) => args.Any(a => a is "--help" or "-h");

    /// <returns>The options, or null after printing the problem.</returns>
    public static LoadOptions? Parse(string[] args, TextWriter error)
    {
        try
        {
            var options = ParseCore(args);
            options.Validate();
            return options;
        }
        catch (ArgumentException ex)
        {
            error.WriteLine($"webhookload: {ex.Message}");
            error.WriteLine("Run with --help for the options.");
            return null;
        }
    }

    private static LoadOptions ParseCore(string[] args)
    {
        var o = new LoadOptions { Secret = Environment.GetEnvironmentVariable(SecretVariable) ?? "" };
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            o = name switch
            {
                "--url" => o with { Url = ParseUrl(Value()) },
                "--bare" => o with { Bare = true },
                "--allow-remote" => o with { AllowRemote = true },
                "--rate" => o with { Rate = Number(name, Value()) },
                "--duration" => o with { DurationSeconds = Number(name, Value()) },
                "--warmup" => o with { WarmupSeconds = Number(name, Value()) },
                "--drain" => o with { DrainSeconds = Number(name, Value()) },
                "--timeout" => o with { TimeoutSeconds = Number(name, Value()) },
                "--concurrency" => o with { Concurrency = Integer(name, Value()) },
                "--secret" => o with { Secret = Value() },
                "--waba" => o with { WabaId = Digits(name, Value()) },
                "--phone-number-id" => o with { PhoneNumberId = Digits(name, Value()) },
                "--display-phone-number" => o with { DisplayPhoneNumber = Digits(name, Value()) },
                "--customers" => o with { Customers = Integer(name, Value()) },
                "--run-id" => o with { RunId = Value() },
                "--pregen-mb" => o with { PregenMegabytes = Integer(name, Value()) },
                "--json" => o with { JsonFile = Value() },
                "--acked-file" => o with { AckedFile = Value() },
                _ => throw new ArgumentException($"unknown option {name}."),
            };
        }
        return o;
    }

    private void Validate()
    {
        Check(Rate >= 0 && double.IsFinite(Rate), "--rate must be 0 (closed-loop) or a positive number of events/s.");
        Check(DurationSeconds > 0 && DurationSeconds <= 24 * 3600, "--duration must be between 0 and 86400 seconds.");
        Check(WarmupSeconds >= 0 && WarmupSeconds <= 3600, "--warmup must be between 0 and 3600 seconds.");
        Check(DrainSeconds >= 0 && DrainSeconds <= 600, "--drain must be between 0 and 600 seconds.");
        Check(TimeoutSeconds > 0 && TimeoutSeconds <= 600, "--timeout must be between 0 and 600 seconds.");
        Check(Concurrency is >= 1 and <= 20_000, "--concurrency must be between 1 and 20000.");
        Check(Customers is >= 1 and <= 100_000_000, "--customers must be between 1 and 100000000.");
        Check(PregenMegabytes is >= 0 and <= 1536, "--pregen-mb must be between 0 and 1536.");
        Check(RunId.Length is > 0 and <= 40 && RunId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'),
            "--run-id must be 1-40 letters, digits, '-' or '_'.");
        Check(Bare || Secret.Length > 0, $"the app secret is required: --secret or env {SecretVariable}.");
        Check(Bare || AllowRemote || IsLoopback(Url),
            $"{Url.Host} is not a loopback address; pass --allow-remote if you really mean to load it.");
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    private static Uri ParseUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new ArgumentException($"--url {text} is not an absolute http(s) address.");

    private static double Number(string name, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"{name} {text} is not a number.");

    private static int Integer(string name, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"{name} {text} is not an integer.");

    // Ids go into the JSON body unescaped, so only digits are accepted.
    private static string Digits(string name, string text) =>
        text.Length is > 0 and <= 32 && text.All(char.IsAsciiDigit)
            ? text
            : throw new ArgumentException($"{name} {text} must be 1-32 digits.");

    private static void Check(bool ok, string message)
    {
        if (!ok) throw new ArgumentException(message);
    }

    private static string NewRunId() =>
        $"{DateTime.UtcNow:yyyyMMddHHmmss}-{Random.Shared.Next(0x10000):x4}";
}
