using MultichannelMessages.AiBench;
using MultichannelMessages.MassBench;

// AI agents (issue 14), driven by bench/ai.sh, which starts PostgreSQL, the Webhook API, the Meta sandbox, the OpenAI
// sandbox and one Worker and passes their addresses (the master key comes from MM_Secrets__MasterKey, as the services'):
//   AiBench setup      --db CONN --openai URL [--embeddings true]
//   AiBench overhead   --db CONN --meta URL --openai URL [--count 300] [--rate 20] [--latency-ms 0] [--warmup 0] [--embedding-latency-ms 0] [--prefix 3461] [--worker-pid P]
//   AiBench concurrent --db CONN --meta URL --openai URL [--count 100] [--latency-ms 1500] [--baseline 20] [--prefix 3471] [--worker-pid P]
//   AiBench voice      --db CONN --meta URL --openai URL --webhook URL --secret S --token T [--runs 5] [--seconds 60]
var command = args.FirstOrDefault() ?? "";
var options = new BenchOptions(args.Skip(1).ToArray());
return command switch
{
    "setup" => await AgentSetup.RunAsync(options),
    "overhead" => await OverheadScenario.RunAsync(options),
    "concurrent" => await ConcurrentScenario.RunAsync(options),
    "voice" => await VoiceScenario.RunAsync(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: AiBench setup|overhead|concurrent|voice --db CONN ... (see bench/ai.sh)");
    return 2;
}
