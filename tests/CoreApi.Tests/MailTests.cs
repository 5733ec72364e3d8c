using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using MimeKit;
using MultichannelMessages.Contracts.People;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>A local SMTP server (the SmtpServer library on a loopback port) that keeps what it receives.</summary>
public sealed class SmtpSink : MessageStore, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    public SmtpSink()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var options = new SmtpServerOptionsBuilder().ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port))).Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(this);
        _running = new SmtpServer.SmtpServer(options, services).StartAsync(_stop.Token);
    }

    public int Port { get; }

    public ConcurrentQueue<MimeMessage> Received { get; } = new();

    public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
        CancellationToken cancellationToken)
    {
        Received.Enqueue(MimeMessage.Load(new MemoryStream(buffer.ToArray())));
        return Task.FromResult(SmtpResponse.Ok);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _running; } catch (OperationCanceledException) { }
    }
}

/// <summary>A Core API whose SMTP settings point at the test's sink.</summary>
public sealed class MailHost : CoreHost
{
    public SmtpSink Smtp { get; } = new();

    protected override void Configure(IWebHostBuilder builder)
    {
        builder.UseSetting("Smtp:Host", "127.0.0.1");
        builder.UseSetting("Smtp:Port", Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Smtp:Security", "None");
        builder.UseSetting("Smtp:From", "Shop console <console@shop.example>");
        builder.UseSetting("People:ConsoleUrl", "https://inbox.shop.example");
    }
}

/// <summary>Invitation and reset links by e-mail when SMTP is configured: sent after the link is committed, through
/// MailKit to a real SMTP server (the SmtpServer library on a loopback port); a mail server that is down loses nothing
/// (the link is still shown).</summary>
public sealed class MailTests(MailHost host) : IClassFixture<MailHost>
{
    [Fact]
    public async Task Invitation_and_reset_links_are_e_mailed_and_a_down_mail_server_still_shows_the_link()
    {
        var admin = await host.As("admin@demo.local");
        var response = await admin.PostAsJsonAsync($"/projects/{host.DemoProjectId}/invitations", new { email = "mailed@shop.example", role = "agent" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var link = (await response.Content.ReadFromJsonAsync<OneTimeLink>())!;
        Assert.True(link.Emailed);
        Assert.StartsWith("https://inbox.shop.example/accept?token=", link.Link);

        var mail = Assert.Single(host.Smtp.Received);
        Assert.Equal("mailed@shop.example", mail.To.Mailboxes.Single().Address);
        Assert.Equal("console@shop.example", mail.From.Mailboxes.Single().Address);
        Assert.Contains("Demo project", mail.Subject);
        Assert.Contains(link.Link, mail.TextBody);

        // A password-reset link goes the same way, to the member's own address.
        var agentId = await host.ScalarAsync<long>("select id from core.users where email = 'agent@demo.local'");
        var reset = await admin.PostAsJsonAsync($"/projects/{host.DemoProjectId}/people/{agentId}/password-reset", new { });
        Assert.Equal(HttpStatusCode.Created, reset.StatusCode);
        var resetLink = (await reset.Content.ReadFromJsonAsync<OneTimeLink>())!;
        Assert.True(resetLink.Emailed);
        Assert.StartsWith("https://inbox.shop.example/reset?token=", resetLink.Link);
        var resetMail = host.Smtp.Received.Last();
        Assert.Equal("agent@demo.local", resetMail.To.Mailboxes.Single().Address);
        Assert.Contains(resetLink.Link, resetMail.TextBody);
        Assert.Equal(2, host.Smtp.Received.Count);

        // The mail server goes away: the invitation is still made and its link shown, marked not e-mailed.
        await host.Smtp.DisposeAsync();
        var second = await admin.PostAsJsonAsync($"/projects/{host.DemoProjectId}/invitations", new { email = "unmailed@shop.example", role = "agent" });
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var unmailed = (await second.Content.ReadFromJsonAsync<OneTimeLink>())!;
        Assert.False(unmailed.Emailed);
        Assert.Equal(HttpStatusCode.OK, (await host.Anonymous().PostAsJsonAsync("/invitations/inspect",
            new { token = Uri.UnescapeDataString(new Uri(unmailed.Link).Query.Split("token=")[1]) })).StatusCode);
    }
}
