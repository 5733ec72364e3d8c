using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MultichannelMessages.MassBench;

namespace MultichannelMessages.AiBench;

/// <summary>
/// A one-minute voice note, end to end, --runs times: the Ogg Opus file is uploaded to the Meta sandbox's media store
/// (Graph POST /{number}/media), the OpenAI sandbox is scripted to transcribe exactly that file (by its SHA-256) to a
/// text holding a word found nowhere else, and the bench posts Meta's signed inbound audio webhook for it to the Webhook
/// API (Durable: the 200 means it is stored). Then the Worker downloads the file (media loop), the AI media job
/// transcribes it (chat.messages.ai_text), and the bench asks the platform's search (chat.search, what the Core API's
/// search calls) for the word every 20 ms until it finds that message. Times from the acknowledgement: downloaded and
/// transcribed are stamped in the database by the bench's triggers (clock_timestamp(), before their commits);
/// searchable is when the bench's search first found it; the agent's reply to it is its row.
/// </summary>
public static class VoiceScenario
{
    private sealed record Timeline(double AckMs, double Downloaded, double Transcribed, double Searchable, double? AgentReplied, int Bytes, string AiText,
        int TranscribeModelMs, double MinutesBilled);

    public static async Task<int> RunAsync(BenchOptions o)
    {
        var runs = o.Int("runs", 5);
        var seconds = o.Number("seconds", 60);
        await using var db = new AiDatabase(o.Text("db"));
        using var openAi = new OpenAiControl(o.Text("openai"));
        using var http = new HttpClient();
        var project = await db.ProjectIdAsync();
        await openAi.SetChatLatencyAsync(0);
        Console.WriteLine($"voice: {runs} voice notes of {seconds} s (Ogg Opus 24 kbit/s), each through the Webhook API, the media download, " +
                          "the transcription and the search");
        Console.WriteLine("run  bytes    ack-ms  downloaded-ms  transcribed-ms  searchable-ms  agent-replied-ms  transcribe-call-ms  billed-min");
        var timelines = new List<Timeline>();
        // Run 0 warms the fresh Worker's download, transcription and search paths up; the medians leave it out.
        for (var run = 0; run <= runs; run++)
        {
            var audio = await VoiceNote.CreateAsync(seconds, 1000 + run, Path.Combine(Path.GetTempPath(), "aibench"));
            var word = "zafiro" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
            await openAi.ScriptTranscriptAsync(Convert.ToHexStringLower(SHA256.HashData(audio)), Transcript(word), "es");
            var mediaId = await UploadAsync(http, o.Text("meta"), o.Text("token"), audio);
            var from = "3481" + run.ToString("D7", CultureInfo.InvariantCulture);
            var wamid = $"wamid.bench-voice-{Guid.NewGuid():N}";
            var (posted, acked) = await PostWebhookAsync(http, o.Text("webhook"), o.Text("secret"), from, wamid, mediaId, audio);
            var timeline = await FollowAsync(db, project, wamid, word, posted, acked, audio.Length);
            if (run > 0) timelines.Add(timeline);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{run,3}  {timeline.Bytes,6}  {timeline.AckMs,7:F1}  {timeline.Downloaded,13:F0}  {timeline.Transcribed,14:F0}  {timeline.Searchable,13:F0}  {timeline.AgentReplied,16:F0}  {timeline.TranscribeModelMs,18}  {timeline.MinutesBilled,10:F2}"));
        }
        string Median(Func<Timeline, double?> f) => Stats.Percentile(timelines.Select(f).Where(v => v.HasValue).Select(v => v!.Value).Order().ToList(), 0.5)
            .ToString("F0", CultureInfo.InvariantCulture);
        Console.WriteLine($"median from the webhook's ack: downloaded {Median(t => t.Downloaded)} ms, transcribed {Median(t => t.Transcribed)} ms, " +
                          $"searchable {Median(t => t.Searchable)} ms; the agent's reply {Median(t => t.AgentReplied)} ms");
        Console.WriteLine($"ai_text of the last: {timelines[^1].AiText[..Math.Min(120, timelines[^1].AiText.Length)]}…");
        return 0;
    }

    /// <summary>About a minute of speech (150 words), with the word only this note has.</summary>
    private static string Transcript(string word) =>
        "Hola, buenas tardes, te mando una nota de voz porque me resulta más fácil que escribir. Hice un pedido la semana pasada, " +
        $"el código que me dieron en la tienda es {word}, y todavía no me ha llegado nada. En el correo de confirmación ponía que " +
        "salía en veinticuatro horas y que llegaba en dos días, pero ya han pasado cinco. He mirado el seguimiento y pone que está en " +
        "reparto desde el jueves, pero nadie ha venido a casa, y yo he estado toda la mañana. Además quería preguntarte si se puede " +
        "cambiar la dirección de entrega, porque la semana que viene estoy fuera y prefiero que lo dejen en la oficina, que está en la " +
        "calle Mayor, número doce, segundo piso. Si hace falta que te mande una foto del ticket o del correo, dímelo y te lo paso. " +
        "Muchas gracias, y perdona el audio tan largo. Un saludo.";

    private static async Task<string> UploadAsync(HttpClient http, string meta, string token, byte[] audio)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("whatsapp"), "messaging_product");
        form.Add(new StringContent("audio/ogg"), "type");
        var file = new ByteArrayContent(audio);
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/ogg");
        form.Add(file, "file", "voice.ogg");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{meta}/v21.0/{AiDatabase.PhoneNumberId}/media") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"the media upload answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<(DateTime Posted, DateTime Acked)> PostWebhookAsync(HttpClient http, string webhook, string secret, string from,
        string wamid, string mediaId, byte[] audio)
    {
        var sha = Convert.ToBase64String(SHA256.HashData(audio));
        var body = $$$"""{"object":"whatsapp_business_account","entry":[{"id":"{{{AiDatabase.Waba}}}","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"{{{AiDatabase.DisplayPhoneNumber}}}","phone_number_id":"{{{AiDatabase.PhoneNumberId}}}"},"contacts":[{"profile":{"name":"Cliente {{{from[^4..]}}}"},"wa_id":"{{{from}}}"}],"messages":[{"from":"{{{from}}}","id":"{{{wamid}}}","timestamp":"{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}}","type":"audio","audio":{"mime_type":"audio/ogg; codecs=opus","sha256":"{{{sha}}}","id":"{{{mediaId}}}","voice":true}}]}}]}]}""";
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), bytes)));
        var posted = DateTime.UtcNow;
        using var response = await http.SendAsync(request);
        var acked = DateTime.UtcNow;
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"the webhook answered {(int)response.StatusCode}");
        return (posted, acked);
    }

    private static async Task<Timeline> FollowAsync(AiDatabase db, long project, string wamid, string word, DateTime posted, DateTime acked, int bytes)
    {
        var wait = Stopwatch.StartNew();
        var messageId = 0L;
        DateTime? searchable = null;
        while (wait.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (messageId == 0)
                messageId = (await db.QueryAsync<long>("select id from chat.messages where provider_message_id = @wamid", new { wamid })).FirstOrDefault();
            if (messageId != 0 && await db.ScalarAsync<long>("""
                    select count(*) from chat.search(@project, null, true, null, @word, null, null, null, null, null, null, 20)
                    where message_id = @messageId
                    """, new { project, word, messageId }) > 0)
            {
                searchable = DateTime.UtcNow;
                break;
            }
            await Task.Delay(20);
        }
        if (searchable is null)
        {
            var state = await db.QueryAsync<string>("""
                select format('media %s %s; job %s %s %s; ai_text %s', md.download_status, md.last_error, j.status, j.attempt_count, j.last_error, m.ai_text is not null)
                from chat.messages m left join chat.media md on md.message_id = m.id left join bot.ai_media_jobs j on j.message_id = m.id
                where m.id = @messageId
                """, new { messageId });
            throw new InvalidOperationException($"message {messageId} not searchable after 3 minutes: {string.Join("; ", state)}");
        }
        // The agent answers once the transcript is there (bot.ai_media_pending holds it until then).
        for (var i = 0; i < 100 && (await Reply()).Count == 0; i++) await Task.Delay(100);
        var stamps = await db.QueryAsync<(DateTime Downloaded, DateTime Transcribed, string AiText, int ModelMs, double Minutes)>("""
            select (select min(s.at) from bench.media_stamps s join chat.media md on md.id = s.media_id where md.message_id = @messageId and s.status = 'stored'),
                   (select min(s.at) from bench.ai_text_stamps s where s.message_id = @messageId),
                   (select ai_text from chat.messages where id = @messageId),
                   (select model_ms from bot.ai_turns where purpose = 'transcribe' and message_ids @> array[@messageId]),
                   (select cost_usd / 0.006 from bot.ai_turns where purpose = 'transcribe' and message_ids @> array[@messageId])::float8
            """, new { messageId });
        var reply = await Reply();
        var (downloaded, transcribed, aiText, modelMs, minutes) = stamps[0];
        return new Timeline((acked - posted).TotalMilliseconds, (downloaded - acked).TotalMilliseconds, (transcribed - acked).TotalMilliseconds,
            (searchable.Value - acked).TotalMilliseconds, reply.Count > 0 ? (reply[0] - acked).TotalMilliseconds : null, bytes, aiText,
            modelMs, minutes);

        Task<IReadOnlyList<DateTime>> Reply() => db.QueryAsync<DateTime>("""
            select r.created_at from chat.messages r join chat.messages m on m.conversation_id = r.conversation_id
            where m.id = @messageId and r.sent_by_ai_agent_id is not null order by r.id limit 1
            """, new { messageId });
    }
}
