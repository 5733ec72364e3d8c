using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MultichannelMessages.OpenAiSandbox.Apis;
using MultichannelMessages.OpenAiSandbox.Errors;
using MultichannelMessages.OpenAiSandbox.Faults;
using MultichannelMessages.OpenAiSandbox.Models;
using MultichannelMessages.OpenAiSandbox.Requests;

namespace MultichannelMessages.OpenAiSandbox.Transcriptions;

/// <summary><c>POST /v1/audio/transcriptions</c> (multipart): OpenAI's 25 MiB limit and file formats (by the file
/// name's extension, as OpenAI decides), then the transcript: scripted by hash or scope, else embedded in the audio
/// (<see cref="EmbeddedTranscript"/>), else <c>[audio N bytes]</c>.</summary>
public static class TranscriptionEndpoints
{
    private static readonly string[] Formats = ["flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm"];

    public static async Task<IResult> TranscribeAsync(HttpContext http, ModelCatalog models, RequestLog log, FaultEffects effects,
        TranscriptStore scripts, IOptions<SandboxOptions> options)
    {
        var limit = options.Value.MaxAudioBytes;
        var form = await ReadFormAsync(http, limit);
        var file = form.Files.GetFile("file");
        var audio = file is not null && file.Length <= limit ? await ReadAsync(file, http.RequestAborted) : null;
        var sha256 = audio is null ? null : Convert.ToHexStringLower(SHA256.HashData(audio));
        var scope = new RequestScope(ApiKeys.Of(http), form["prompt"].ToString());
        log.Log(http, "transcriptions", form["model"].FirstOrDefault(), LoggedBody(form, file, sha256), scope);

        var model = models.Require(form["model"].FirstOrDefault() is { Length: > 0 } id ? id
            : throw new OpenAiRefusal(OpenAiErrors.Invalid("you must provide a model parameter")), ModelKinds.Transcription, "audio transcriptions");
        if (file is null)
            throw new OpenAiRefusal(OpenAiErrors.Missing("file"));
        if (audio is null)
            throw new OpenAiRefusal(OpenAiErrors.TooLarge(limit, file.Length));
        if (!Formats.Contains(Path.GetExtension(file.FileName).TrimStart('.').ToLowerInvariant()))
            throw new OpenAiRefusal(OpenAiErrors.Invalid(
                $"Invalid file format. Supported formats: [{string.Join(", ", Formats.Select(f => $"'{f}'"))}]"));
        var format = ResponseFormat(form["response_format"].FirstOrDefault(), model);
        var language = form["language"].FirstOrDefault() is { Length: > 0 } code ? Language(code) : null;
        if (await effects.ApplyAsync("transcriptions", model.Id, scope, http) is { } fault)
            return fault;

        var script = scripts.Find(sha256!, scope);
        var text = script?.Text ?? EmbeddedTranscript.Read(audio) ?? $"[audio {audio.Length} bytes]";
        return Transcript.Of(text, language ?? script?.Language ?? Text.Language.Code(text), audio.Length).ToResult(format);
    }

    /// <summary>The form, or OpenAI's refusals: not multipart (400), larger than the limit Kestrel enforces (413).</summary>
    private static async Task<IFormCollection> ReadFormAsync(HttpContext http, long limit)
    {
        if (!http.Request.HasFormContentType)
            throw new OpenAiRefusal(OpenAiErrors.Invalid(
                $"Invalid Content-Type header ({http.Request.ContentType}), expected multipart/form-data. (HINT: If you're using curl, you can pass -H 'Content-Type: multipart/form-data')"));
        try
        {
            return await http.Request.ReadFormAsync(http.RequestAborted);
        }
        catch (Exception e) when (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } or InvalidDataException)
        {
            throw new OpenAiRefusal(OpenAiErrors.TooLarge(limit, http.Request.ContentLength ?? limit + 1));
        }
    }

    private static async Task<byte[]> ReadAsync(IFormFile file, CancellationToken cancellationToken)
    {
        var audio = new byte[file.Length];
        await using var stream = file.OpenReadStream();
        await stream.ReadExactlyAsync(audio, cancellationToken);
        return audio;
    }

    private static string ResponseFormat(string? format, ModelOptions model)
    {
        format ??= "json";
        if (format is not ("json" or "text" or "srt" or "verbose_json" or "vtt"))
            throw new OpenAiRefusal(OpenAiErrors.InvalidValue("response_format",
                $"Invalid value: '{format}'. Supported values are: 'json', 'text', 'srt', 'verbose_json', and 'vtt'."));
        if (format is not ("json" or "text") && !model.VerboseTranscripts)
            throw new OpenAiRefusal(OpenAiErrors.InvalidValue("response_format",
                $"response_format '{format}' is not compatible with model '{model.Id}'. Use 'json' or 'text' instead.", "unsupported_value"));
        return format;
    }

    private static string Language(string code) => code.Length == 2 && code.All(char.IsAsciiLetterLower)
        ? code
        : throw new OpenAiRefusal(OpenAiErrors.InvalidValue("language",
            $"Invalid language '{code}'. Language parameter must be specified in ISO-639-1 format."));

    /// <summary>What the request log keeps of a multipart request: the fields, and the file by name, size and hash.</summary>
    private static JsonElement LoggedBody(IFormCollection form, IFormFile? file, string? sha256) => JsonSerializer.SerializeToElement(new Dictionary<string, object?>
    {
        ["model"] = form["model"].FirstOrDefault(),
        ["language"] = form["language"].FirstOrDefault(),
        ["prompt"] = form["prompt"].FirstOrDefault(),
        ["response_format"] = form["response_format"].FirstOrDefault(),
        ["temperature"] = form["temperature"].FirstOrDefault(),
        ["file"] = file is null ? null : new Dictionary<string, object?> { ["filename"] = file.FileName, ["bytes"] = file.Length, ["sha256"] = sha256 },
    });

    public static Created<TranscriptView> Script(TranscriptRequest body, TranscriptStore scripts)
    {
        var script = scripts.Add(body);
        return TypedResults.Created($"/sandbox/transcripts/{script.Id}", script);
    }

    public static Results<NoContent, NotFound> Unscript(string id, TranscriptStore scripts) =>
        scripts.Remove(id) ? TypedResults.NoContent() : TypedResults.NotFound();
}
