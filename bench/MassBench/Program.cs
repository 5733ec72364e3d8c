using MultichannelMessages.MassBench;

// Mass sends (issue 13), driven by bench/mass.sh, which starts PostgreSQL, the Webhook API, the Meta sandbox and the
// Worker(s) and passes their addresses:
//   MassBench rate     --db CONN --sandbox URL --worker URL [--count 100000] [--rate 72] [--reply-rate 5] [--idle-seconds 120] [--warmup-seconds 60]
//   MassBench autostop --db CONN --sandbox URL --webhook URL --secret S [--runs 10] [--count 3000] [--rate 72]
//   MassBench kill     --db CONN --sandbox URL --kill-pid PID --kill-worker ID [--count 20000] [--rate 100]
var command = args.FirstOrDefault() ?? "";
var options = new BenchOptions(args.Skip(1).ToArray());
return command switch
{
    "rate" => await RateScenario.RunAsync(options),
    "autostop" => await AutoStopScenario.RunAsync(options),
    "kill" => await KillScenario.RunAsync(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: MassBench rate|autostop|kill --db CONN --sandbox URL ... (see bench/mass.sh)");
    return 2;
}
