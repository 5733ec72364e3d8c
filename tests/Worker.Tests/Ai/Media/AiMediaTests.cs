using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Ai.Media;

/// <summary>Customers' media becomes text on the message through the Worker's real OpenAI SDK and the OpenAI sandbox.</summary>
public sealed class AiMediaTests(OpenAiSandboxHost openAi) : IClassFixture<OpenAiSandboxHost>
{
    [Fact]
    public async Task A_whatsapp_voice_note_is_transcribed_priced_by_the_minute_and_found_by_a_word_of_its_transcript()
    {
        var db = await WorkerDatabase.CreateAsync("aivoice");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        var key = openAi.NewKey();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(key));
        var note = TestFiles.VoiceNote("Hola, el paraguas que compré llegó roto. ¿Me lo cambiáis?", seconds: 12);
        // The customer records it in WhatsApp (audio/ogg; codecs=opus) and ingestion leaves a pending download, as the webhook does.
        var response = await meta.Client.PostAsJsonAsync($"/sandbox/customers/{WorkerDatabase.WhatsApp}/messages",
            new { from = "34660000001", type = "audio", content_base64 = Convert.ToBase64String(note) }, SandboxHost.Json);
        response.EnsureSuccessStatusCode();
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>(SandboxHost.Json);
        var messageId = await InboundAudioAsync(db, accepted.GetProperty("id").GetString()!, accepted.GetProperty("media_id").GetString()!, note);
        // The control: before the Worker ran, nothing finds it.
        Assert.Empty(await AiTestKit.SearchMessagesAsync(db, "paraguas"));

        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings());
        var job = await AiTestKit.FinishedJobAsync(db, messageId);

        Assert.Equal(("done", null), (job.Status, job.LastError));
        Assert.Equal(new AiTestKit.AiText("Hola, el paraguas que compré llegó roto. ¿Me lo cambiáis?", "transcript"), await AiTestKit.AiTextAsync(db, messageId));
        Assert.Equal([messageId], await AiTestKit.SearchMessagesAsync(db, "paraguas"));
        Assert.Equal([messageId], await AiTestKit.SearchMessagesAsync(db, "cambiais roto")); // accents folded, every word
        Assert.Empty(await AiTestKit.SearchMessagesAsync(db, "paraguas azul"));
        var snippet = await db.ScalarAsync<string>(
            "select snippet from chat.search(@ProjectId, 0, true, '{}', 'paraguas', null, null, null, null, null, null, 5)", new { db.ProjectId });
        Assert.Contains("\uE000paraguas\uE001", snippet);
        Assert.Equal(1L, await db.ScalarAsync<long>(
            "select count(*) from ops.change_feed where kind = 'message_updated' and message_id = @messageId and payload->>'aiTextKind' = 'transcript'",
            new { messageId }));
        // Audited: the transcription model, 12 s of audio read from the Ogg pages, at the price per minute.
        var turn = (await db.QueryAsync<(string Purpose, string Model, decimal Cost, bool Priced, long[] MessageIds)>(
            "select purpose, model, cost_usd, priced, message_ids from bot.ai_turns")).Single();
        Assert.Equal(("transcribe", "gpt-4o-mini-transcribe", AiTestKit.PricePerMinute * 12 / 60, true), (turn.Purpose, turn.Model, turn.Cost, turn.Priced));
        Assert.Equal([messageId], turn.MessageIds);
        var sent = Assert.Single(await openAi.RequestsAsync(key, "transcriptions"));
        Assert.Equal("gpt-4o-mini-transcribe", sent.GetProperty("model").GetString());
    }

    private static async Task<long> InboundAudioAsync(WorkerDatabase db, string wamid, string mediaId, byte[] note) =>
        (await db.QueryAsync<long>("""
            with a as (select id, project_id, channel from meta.accounts where external_id = @account),
            c as (insert into chat.contacts (project_id, channel, external_id, language) select project_id, channel, '34660000001', 'es' from a returning id),
            cv as (insert into chat.conversations (project_id, account_id, contact_id, channel, last_inbound_at)
                   select a.project_id, a.id, c.id, a.channel, now() from a, c returning id, project_id, account_id),
            m as (insert into chat.messages (project_id, conversation_id, account_id, direction, provider_message_id, type, status, status_rank, occurred_at)
                  select project_id, id, account_id, 'in', @wamid, 'audio', 'received', 0, now() from cv returning id, project_id),
            md as (insert into chat.media (project_id, message_id, ordinal, kind, provider_media_id, mime_type, sha256)
                   select project_id, id, 0, 'audio', @mediaId, 'audio/ogg; codecs=opus', @sha from m returning message_id)
            select message_id from md
            """, new { account = WorkerDatabase.WhatsApp, wamid, mediaId, sha = Convert.ToBase64String(SHA256.HashData(note)) })).Single();

    [Fact]
    public async Task A_photo_is_described_in_the_customers_language_by_the_vision_model_with_a_low_detail_image()
    {
        var db = await WorkerDatabase.CreateAsync("aiphoto");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        var key = openAi.NewKey();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(key));
        await openAi.AddRuleAsync(new { scope = key, match = new { has_image = true, system_contains = "Write in Spanish" },
            respond = new { content = "Una caja de cartón abollada.\n\nText: FRÁGIL" } });
        await openAi.AddRuleAsync(new { scope = key, match = new { has_image = true, system_contains = "Write in English" },
            respond = new { content = "A dented cardboard box." } });
        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings());

        var spanish = await AiTestKit.CustomerFileAsync(db, worker, "34660000010", "image", "image/png", TestFiles.Png, language: "es");
        var english = await AiTestKit.CustomerFileAsync(db, worker, "34660000011", "image", "image/png", TestFiles.Png, language: "en");

        Assert.Equal("done", (await AiTestKit.FinishedJobAsync(db, spanish.MessageId)).Status);
        Assert.Equal("done", (await AiTestKit.FinishedJobAsync(db, english.MessageId)).Status);
        Assert.Equal(new AiTestKit.AiText("Una caja de cartón abollada.\n\nText: FRÁGIL", "description"), await AiTestKit.AiTextAsync(db, spanish.MessageId));
        Assert.Equal(new AiTestKit.AiText("A dented cardboard box.", "description"), await AiTestKit.AiTextAsync(db, english.MessageId));
        Assert.Equal([spanish.MessageId], await AiTestKit.SearchMessagesAsync(db, "fragil"));
        var request = (await openAi.RequestsAsync(key, "chat")).First();
        Assert.Equal("gpt-4o-mini", request.GetProperty("model").GetString());
        var image = request.GetProperty("body").GetProperty("messages")[1].GetProperty("content")[1].GetProperty("image_url");
        Assert.StartsWith("data:image/png;base64,", image.GetProperty("url").GetString());
        Assert.Equal("low", image.GetProperty("detail").GetString());
        Assert.Equal(2L, await db.ScalarAsync<long>("select count(*) from bot.ai_turns where purpose = 'describe' and tokens_in > 0 and cost_usd > 0"));
    }

    [Fact]
    public async Task A_stored_file_wakes_the_media_loop_at_once_while_a_job_queued_without_the_signal_waits_for_the_poll()
    {
        var db = await WorkerDatabase.CreateAsync("aiwake");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        var key = openAi.NewKey();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(key));
        // A poll of a minute (the longest allowed): within this test only bot.on_media_stored's NOTIFY 'ai_media' can start the work.
        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings(("AiMedia:PollIntervalMs", "60000")));
        static byte[] Pdf(string text) => TestFiles.Pdf([text]);

        var first = await AiTestKit.CustomerFileAsync(db, worker, "34660000030", "document", "application/pdf", Pdf("first delivery note"), "first.pdf");
        Assert.Equal("done", (await AiTestKit.FinishedJobAsync(db, first.MessageId)).Status);
        await Task.Delay(500); // the loop's claim right after a batch finds nothing more and starts its long wait

        // The control: a file stored while the provider is off queues nothing; its job, queued afterwards by hand without the
        // signal, waits for the poll.
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(key, Enabled: false));
        var quiet = await AiTestKit.CustomerFileAsync(db, worker, "34660000031", "document", "application/pdf", Pdf("quiet invoice"), "quiet.pdf");
        Assert.Null(await AiTestKit.JobAsync(db, quiet.MessageId));
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(key));
        await db.ExecuteAsync("insert into bot.ai_media_jobs (message_id, kind, project_id) values (@MessageId, 'document', @ProjectId)",
            new { quiet.MessageId, db.ProjectId });
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("pending", (await AiTestKit.JobAsync(db, quiet.MessageId))!.Status);

        // The next stored file wakes the loop, whose claim takes every due job, the quiet one too.
        var next = await AiTestKit.CustomerFileAsync(db, worker, "34660000032", "document", "application/pdf", Pdf("next receipt"), "next.pdf");
        Assert.Equal("done", (await AiTestKit.FinishedJobAsync(db, next.MessageId)).Status);
        Assert.Equal("done", (await AiTestKit.FinishedJobAsync(db, quiet.MessageId)).Status);
        Assert.Equal(new AiTestKit.AiText("quiet invoice", "document"), await AiTestKit.AiTextAsync(db, quiet.MessageId));
    }

    [Fact]
    public async Task A_pdf_and_a_docx_become_their_text_without_a_model_call_and_an_archive_is_not_queued()
    {
        var db = await WorkerDatabase.CreateAsync("aidocs");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(openAi.NewKey()));
        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings());

        var pdf = await AiTestKit.CustomerFileAsync(db, worker, "34660000020", "document", "application/pdf",
            TestFiles.Pdf(["Invoice 2024-0042 for order 5531", "issued on 3 March to Ana Garcia", "", "Total due: 149.90 EUR", "payable within thirty days"]),
            "invoice.pdf");
        var docx = await AiTestKit.CustomerFileAsync(db, worker, "34660000021", "document", "application/octet-stream",
            TestFiles.Docx("# Complaint", "The blender K-200 stopped working after a week."), "complaint.docx");
        var zip = await AiTestKit.CustomerFileAsync(db, worker, "34660000022", "document", "application/zip", [0x50, 0x4B, 3, 4], "photos.zip");

        Assert.Equal("done", (await AiTestKit.FinishedJobAsync(db, pdf.MessageId)).Status);
        Assert.Equal("done", (await AiTestKit.FinishedJobAsync(db, docx.MessageId)).Status);
        Assert.Equal(new AiTestKit.AiText("Invoice 2024-0042 for order 5531 issued on 3 March to Ana Garcia\n\nTotal due: 149.90 EUR payable within thirty days",
            "document"), await AiTestKit.AiTextAsync(db, pdf.MessageId));
        Assert.Equal(new AiTestKit.AiText("Complaint\n\nThe blender K-200 stopped working after a week.", "document"), await AiTestKit.AiTextAsync(db, docx.MessageId));
        Assert.Null(await AiTestKit.JobAsync(db, zip.MessageId));
        Assert.Equal([docx.MessageId], await AiTestKit.SearchMessagesAsync(db, "blender"));
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from bot.ai_turns"));
    }

    [Fact]
    public async Task A_failing_transcription_is_retried_with_backoff_until_the_provider_answers()
    {
        var db = await WorkerDatabase.CreateAsync("airetry");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        var key = openAi.NewKey();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(key));
        // Two 503s for every SDK request (the SDK retries once inside: one fault each for the first attempt's two tries).
        await openAi.AddFaultAsync(new { kind = "status", status = 503, endpoint = "transcriptions", scope = key, count = 2 });
        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings());

        var note = await AiTestKit.CustomerFileAsync(db, worker, "34660000030", "audio", "audio/ogg; codecs=opus", TestFiles.VoiceNote("Second time lucky"));
        var job = await AiTestKit.FinishedJobAsync(db, note.MessageId);

        Assert.Equal(("done", 2), (job.Status, job.AttemptCount));
        Assert.Equal("Second time lucky", (await AiTestKit.AiTextAsync(db, note.MessageId)).Text);
        Assert.Equal(new string?[] { "provider answered 503", null }, (await db.QueryAsync<string?>(
            "select left(error, 21) from bot.ai_turns where purpose = 'transcribe' order by id")).ToArray());
    }

    [Fact]
    public async Task A_transcription_that_keeps_failing_ends_failed_with_the_last_reason_after_the_last_attempt()
    {
        var db = await WorkerDatabase.CreateAsync("aifail");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        var key = openAi.NewKey();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(key));
        await openAi.AddFaultAsync(new { kind = "status", status = 500, endpoint = "transcriptions", scope = key });
        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings(("AiMedia:MaxAttempts", "3")));

        var note = await AiTestKit.CustomerFileAsync(db, worker, "34660000040", "audio", "audio/ogg", TestFiles.VoiceNote("Never heard"));
        var job = await AiTestKit.FinishedJobAsync(db, note.MessageId);

        Assert.Equal(("failed", 3), (job.Status, job.AttemptCount));
        Assert.StartsWith("attempts_exhausted: 3 attempts; the last: provider answered 500", job.LastError);
        Assert.Null((await AiTestKit.AiTextAsync(db, note.MessageId)).Text);
        Assert.Equal(3L, await db.ScalarAsync<long>("select count(*) from bot.ai_turns where purpose = 'transcribe' and error is not null"));
        await Task.Delay(300); // no further attempt comes
        Assert.Equal(3, (await AiTestKit.JobAsync(db, note.MessageId))!.AttemptCount);
    }

    [Fact]
    public async Task A_voice_note_too_large_or_in_a_format_the_api_refuses_is_skipped_with_the_reason_and_never_sent()
    {
        var db = await WorkerDatabase.CreateAsync("aiskip");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        var key = openAi.NewKey();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(key));
        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings(("AiMedia:MaxAudioBytes", "20000")));

        var large = await AiTestKit.CustomerFileAsync(db, worker, "34660000050", "audio", "audio/ogg", TestFiles.VoiceNote("Too long", audioBytes: 30_000));
        var aac = await AiTestKit.CustomerFileAsync(db, worker, "34660000051", "audio", "audio/aac", TestFiles.VoiceNote("In AAC"));
        var control = await AiTestKit.CustomerFileAsync(db, worker, "34660000052", "audio", "audio/ogg", TestFiles.VoiceNote("Just right"));

        var tooLarge = await AiTestKit.FinishedJobAsync(db, large.MessageId);
        var unsupported = await AiTestKit.FinishedJobAsync(db, aac.MessageId);
        Assert.Equal("skipped", tooLarge.Status);
        Assert.StartsWith("too_large: 30", tooLarge.LastError);
        Assert.Contains("at most 20000 are transcribed", tooLarge.LastError);
        Assert.Equal("skipped", unsupported.Status);
        Assert.StartsWith("unsupported_format: audio/aac", unsupported.LastError);
        Assert.Equal("done", (await AiTestKit.FinishedJobAsync(db, control.MessageId)).Status);
        Assert.Equal("Just right", (await AiTestKit.AiTextAsync(db, control.MessageId)).Text);
        Assert.Single(await openAi.RequestsAsync(key, "transcriptions")); // only the control was sent
    }

    [Fact]
    public async Task A_spent_budget_skips_transcripts_until_tomorrow_while_documents_are_still_read()
    {
        var db = await WorkerDatabase.CreateAsync("aibudget");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        var key = openAi.NewKey();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(key, DailyBudgetUsd: 1m));
        await db.ExecuteAsync("insert into bot.ai_usage_daily (project_id, day, cost_usd) values (@ProjectId, current_date, 1.5)", new { db.ProjectId });
        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings());

        var note = await AiTestKit.CustomerFileAsync(db, worker, "34660000060", "audio", "audio/ogg", TestFiles.VoiceNote("Costly words"));
        var doc = await AiTestKit.CustomerFileAsync(db, worker, "34660000061", "document", "text/plain", "Free words"u8.ToArray(), "note.txt");

        var skipped = await AiTestKit.FinishedJobAsync(db, note.MessageId);
        Assert.Equal(("skipped", "budget_spent: the project's AI budget for the day is spent"), (skipped.Status, skipped.LastError));
        Assert.Equal("done", (await AiTestKit.FinishedJobAsync(db, doc.MessageId)).Status);
        Assert.Empty(await openAi.RequestsAsync(key));
    }

    [Fact]
    public async Task Only_customers_files_in_projects_whose_provider_can_read_them_are_queued()
    {
        var db = await WorkerDatabase.CreateAsync("aiqueue");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings(("AiMedia:Enabled", "false")));

        var noProvider = await AiTestKit.CustomerFileAsync(db, worker, "34660000070", "audio", "audio/ogg", TestFiles.VoiceNote("a"));
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(openAi.NewKey(), TranscriptionModel: null));
        var noModel = await AiTestKit.CustomerFileAsync(db, worker, "34660000071", "audio", "audio/ogg", TestFiles.VoiceNote("b"));
        var image = await AiTestKit.CustomerFileAsync(db, worker, "34660000072", "image", "image/png", TestFiles.Png);
        var outbound = await AiTestKit.CustomerFileAsync(db, worker, "34660000073", "image", "image/png", TestFiles.Png, direction: "out");
        var video = await AiTestKit.CustomerFileAsync(db, worker, "34660000074", "video", "video/mp4", [0, 0, 0, 24]);
        await db.ExecuteAsync("update bot.ai_providers set enabled = false");
        var disabled = await AiTestKit.CustomerFileAsync(db, worker, "34660000075", "image", "image/png", TestFiles.Png);

        Assert.Null(await AiTestKit.JobAsync(db, noProvider.MessageId));
        Assert.Null(await AiTestKit.JobAsync(db, noModel.MessageId));
        Assert.Equal("pending", (await AiTestKit.JobAsync(db, image.MessageId))?.Status); // the control: a vision model is there
        Assert.Null(await AiTestKit.JobAsync(db, outbound.MessageId));
        Assert.Null(await AiTestKit.JobAsync(db, video.MessageId));
        Assert.Null(await AiTestKit.JobAsync(db, disabled.MessageId));
    }

    [Fact]
    public async Task The_agent_waits_while_a_recent_voice_note_is_understood_and_no_longer()
    {
        var db = await WorkerDatabase.CreateAsync("aiwait");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(openAi.NewKey()));
        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings(("AiMedia:Enabled", "false")));
        var note = await AiTestKit.CustomerFileAsync(db, worker, "34660000080", "audio", "audio/ogg", TestFiles.VoiceNote("wait for me"));
        var text = await AiTestKit.CustomerFileAsync(db, worker, "34660000081", "video", "video/mp4", [0]);
        Task<bool> Pending(long conversationId) => db.ScalarAsync<bool>("select bot.ai_media_pending(@conversationId)", new { conversationId });

        Assert.True(await Pending(note.ConversationId));
        Assert.False(await Pending(text.ConversationId)); // the control: nothing AI reads is pending there

        await db.ExecuteAsync("update chat.messages set created_at = now() - interval '61 seconds' where id = @MessageId", note);
        Assert.False(await Pending(note.ConversationId)); // waited long enough: the agent answers with what it has
        await db.ExecuteAsync("update chat.messages set created_at = now() where id = @MessageId", note);
        await db.ExecuteAsync("update bot.ai_media_jobs set status = 'done' where message_id = @MessageId", note);
        Assert.False(await Pending(note.ConversationId));

        // A file still downloading counts too, when the project has a provider.
        await db.ExecuteAsync("update chat.media set download_status = 'pending' where id = @MediaId", note);
        Assert.True(await Pending(note.ConversationId));
    }
}
