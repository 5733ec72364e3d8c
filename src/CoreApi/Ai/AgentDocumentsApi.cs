using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using MultichannelMessages.Contracts.Ai;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;
using static MultichannelMessages.CoreApi.Ai.AiApi;

namespace MultichannelMessages.CoreApi.Ai;

/// <summary>
/// An agent's manual: documents uploaded whole into bot.ai_documents, pending until the Worker extracts their text and
/// cuts it into chunks for retrieval. Accepted by the extension, the declared type agreeing with it and the first bytes
/// agreeing with both (a PDF starts %PDF-, a .docx is a ZIP, text has no NUL byte); the same bytes twice on one agent
/// are stored once.
/// </summary>
public static class AgentDocumentsApi
{
    public const long MaxBytes = 20 * 1024 * 1024;

    private sealed record Kind(string ContentType, string[] Declared, byte[]? Magic);

    private const string Generic = "application/octet-stream";
    private static readonly Kind Markdown = new("text/markdown", ["text/markdown", "text/x-markdown", "text/plain", Generic], null);

    // A browser declares what its platform maps the extension to: often nothing useful for .md (octet-stream).
    private static readonly Dictionary<string, Kind> Kinds = new(StringComparer.Ordinal)
    {
        [".pdf"] = new("application/pdf", ["application/pdf", "application/x-pdf", Generic], "%PDF-"u8.ToArray()),
        [".docx"] = new("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", Generic], [0x50, 0x4B, 0x03, 0x04]),
        [".md"] = Markdown,
        [".markdown"] = Markdown,
        [".txt"] = new("text/plain", ["text/plain", Generic], null),
        [".html"] = new("text/html", ["text/html", Generic], null),
        [".htm"] = new("text/html", ["text/html", Generic], null),
    };

    public static RouteGroupBuilder MapAgentDocuments(this RouteGroupBuilder ai)
    {
        var documents = ai.MapGroup("/agents/{agentId:long}/documents");
        documents.MapGet("", List).RequirePermission(Permissions.ReadAi);
        documents.MapPost("", Upload).RequirePermission(Permissions.ManageAi)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBytes + 1024 * 1024))
            .WithDescription("Multipart form, field 'file': pdf, docx, md/markdown, txt or html, at most 20 MB. 201 stored; 200 the same file was already there.");
        documents.MapDelete("/{documentId:long}", Delete).RequirePermission(Permissions.ManageAi);
        return ai;
    }

    private static async Task<AiDocumentItem[]> ListAsync(NpgsqlConnection connection, long projectId, long agentId, CancellationToken ct) =>
        (await connection.QueryAsync<AiDocumentItem>(Sql("""
            select id, name, content_type, size_bytes, status, error, chunk_count, uploaded_at from bot.ai_document_list(@projectId, @agentId)
            """, new { projectId, agentId }, ct))).ToArray();

    public static async Task<Results<Ok<AiDocumentItem[]>, ProblemHttpResult>> List(long projectId, long agentId, NpgsqlDataSource db,
        CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await AgentsApi.InProjectAsync(connection, projectId, agentId, ct)) return Refusals.NotFound();
        return TypedResults.Ok(await ListAsync(connection, projectId, agentId, ct));
    }

    public static async Task<Results<Created<AiDocumentItem>, Ok<AiDocumentItem>, ProblemHttpResult>> Upload(long projectId, long agentId,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
            return Refusals.Invalid("file", "multipart_required", "Send the document as multipart/form-data, field 'file'.");
        var form = await http.Request.ReadFormAsync(ct);
        if (form.Files.GetFile("file") is not { Length: > 0 } file) return Refusals.Invalid("file", "empty_file", "Attach a non-empty file in the field 'file'.");
        if (file.Length > MaxBytes)
            return Refusals.Invalid("file", "document_too_large", $"A manual's document is at most 20 MB; this one is {file.Length / (1024.0 * 1024):0.#} MB.");
        var name = Path.GetFileName(file.FileName ?? "").Trim();
        if (name.Length is 0 or > 200) return Refusals.Invalid("file", "invalid_file_name", "The file's name has 1 to 200 characters.");
        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream()) await stream.ReadExactlyAsync(bytes, ct);
        if (KindOf(name, file.ContentType, bytes) is not { } kind)
            return Refusals.Invalid("file", "unsupported_document_type",
                "A manual's document is a PDF, a Word .docx, Markdown (.md), plain text (.txt) or HTML, and its content must be what its name says.");

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var (id, created, refusal) = await connection.QuerySingleAsync<(long? Id, bool? Created, string? Refusal)>(Sql("""
            select document_id, created, refusal from bot.add_ai_document(@projectId, @agentId, @name, @contentType, @sha256, @bytes, @userId)
            """, new { projectId, agentId, name, contentType = kind.ContentType, sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes,
                       userId = scope.UserId }, ct));
        if (refusal is not null) return Refusal(refusal);
        await command.CommitAsync(ct);
        var item = (await ListAsync(connection, projectId, agentId, ct)).Single(d => d.Id == id);
        return created == true ? TypedResults.Created($"/projects/{projectId}/ai/agents/{agentId}/documents/{id}", item) : TypedResults.Ok(item);
    }

    /// <summary>The document's kind when its extension, declared type and first bytes agree; else null.</summary>
    private static Kind? KindOf(string name, string? declared, ReadOnlySpan<byte> bytes)
    {
        if (!Kinds.TryGetValue(Path.GetExtension(name).ToLowerInvariant(), out var kind)) return null;
        var type = Media.MediaRules.Essence(declared);
        if (type.Length > 0 && !kind.Declared.Contains(type)) return null;
        var ok = kind.Magic is { } magic ? bytes.StartsWith(magic) : bytes[..Math.Min(bytes.Length, 8192)].IndexOf((byte)0) < 0;
        return ok ? kind : null;
    }

    /// <summary>The document goes with its chunks: the agent stops citing it at once.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(long projectId, long agentId, long documentId, ProjectScope scope,
        HttpContext http, NpgsqlDataSource db, CancellationToken ct) =>
        await db.ExecuteCommandAsync(http, "select bot.delete_ai_document(@projectId, @agentId, @documentId, @userId)",
            new { projectId, agentId, documentId, userId = scope.UserId }, ct)
            ? TypedResults.NoContent() : Refusals.NotFound();
}
