using System.ComponentModel.DataAnnotations;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MultichannelMessages.CoreApi.People;

public sealed class SmtpOptions
{
    public const string Section = "Smtp";

    /// <summary>Empty: no e-mail is sent; the console shows each link to whoever made it, to hand over.</summary>
    public string Host { get; set; } = "";

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>STARTTLS when the server offers it (Auto), always (StartTls), implicit TLS (SslOnConnect) or None.</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.Auto;

    public string? User { get; set; }

    /// <summary>From the environment (MM_Smtp__Password), never from a file in the repository.</summary>
    public string? Password { get; set; }

    public string From { get; set; } = "Multichannel Messages <no-reply@localhost>";

    [Range(1, 120)]
    public int TimeoutSeconds { get; set; } = 15;
}

public sealed record MailText(string Subject, string Body);

/// <summary>The e-mails the platform sends, in English and Spanish at once (the recipient has no language yet).</summary>
public static class MailTexts
{
    public static MailText Invitation(string project, string role, string link, DateTime expiresAt) => new(
        $"You are invited to {project} · Te invitan a {project}",
        $"""
        You have been invited to the project "{project}" on Multichannel Messages as {role}.
        Open this link to accept and choose your password (it works once, until {expiresAt:yyyy-MM-dd HH:mm} UTC):

        {link}

        Te han invitado al proyecto "{project}" en Multichannel Messages como {role}.
        Abre este enlace para aceptar y elegir tu contraseña (sirve una vez, hasta el {expiresAt:yyyy-MM-dd HH:mm} UTC).
        """);

    public static MailText PasswordReset(string link, DateTime expiresAt) => new(
        "Choose a new password · Elige una contraseña nueva",
        $"""
        Open this link to choose a new password for Multichannel Messages (it works once, until {expiresAt:yyyy-MM-dd HH:mm} UTC).
        Signing in again will be needed everywhere.

        {link}

        Abre este enlace para elegir una contraseña nueva (sirve una vez, hasta el {expiresAt:yyyy-MM-dd HH:mm} UTC).
        """);
}

/// <summary>
/// Sends a one-time link by e-mail when SMTP is configured. Called after the link's transaction committed, so a mail
/// server that is down never loses the invitation: the link is still shown to the admin, and the failure is logged
/// (without the link, which is a credential).
/// </summary>
public sealed class LinkMailer(IOptions<SmtpOptions> options, ILogger<LinkMailer> logger)
{
    public bool Configured => !string.IsNullOrWhiteSpace(options.Value.Host);

    /// <summary>True when the mail server accepted the message.</summary>
    public async Task<bool> SendAsync(string to, MailText text, CancellationToken ct)
    {
        if (!Configured) return false;
        var smtp = options.Value;
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = text.Subject;
        message.Body = new TextPart("plain") { Text = text.Body };
        try
        {
            using var client = new SmtpClient { Timeout = smtp.TimeoutSeconds * 1000 };
            await client.ConnectAsync(smtp.Host, smtp.Port, smtp.Security, ct);
            if (!string.IsNullOrEmpty(smtp.User)) await client.AuthenticateAsync(smtp.User, smtp.Password ?? "", ct);
            await client.SendAsync(message, ct);
            await client.DisconnectAsync(true, ct);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            MailLog.Failed(logger, smtp.Host, smtp.Port, ex.GetType().Name, ex.Message);
            return false;
        }
    }
}

internal static partial class MailLog
{
    [LoggerMessage(900, LogLevel.Warning, "E-mail through {Host}:{Port} failed ({Error}: {Reason}); the link is shown in the console instead")]
    public static partial void Failed(ILogger logger, string host, int port, string error, string reason);
}
