using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.Front.Tests;

/// <summary>The console's key ring is shared through DataProtection:KeysFolder: a session cookie made by one instance
/// opens on another and after a restart, so a deploy does not sign everyone out.</summary>
public sealed class KeyRingTests : IDisposable
{
    private readonly DirectoryInfo _shared = Directory.CreateTempSubdirectory("mm-console-keys-");
    private readonly DirectoryInfo _other = Directory.CreateTempSubdirectory("mm-console-keys-other-");

    public void Dispose()
    {
        _shared.Delete(recursive: true);
        _other.Delete(recursive: true);
    }

    private static WebApplicationFactory<Program> Instance(string? keysFolder) => new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
    {
        b.UseEnvironment("Production");
        b.UseSetting("CoreApi:BaseAddress", "http://core.test/");
        if (keysFolder is not null) b.UseSetting("DataProtection:KeysFolder", keysFolder);
    });

    /// <summary>The session cookie's own format (the cookie handler's ticket protector) of one instance.</summary>
    private static ISecureDataFormat<AuthenticationTicket> CookieFormat(WebApplicationFactory<Program> instance) =>
        instance.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>()
            .Get(CookieAuthenticationDefaults.AuthenticationScheme).TicketDataFormat;

    private static AuthenticationTicket Ticket() => new(
        new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "42"), new Claim(ClaimTypes.Name, "Agent")], "test")),
        CookieAuthenticationDefaults.AuthenticationScheme);

    [Fact]
    public async Task Session_cookie_from_one_console_instance_opens_on_another_and_after_a_restart()
    {
        string cookie;
        await using (var first = Instance(_shared.FullName))
            cookie = CookieFormat(first).Protect(Ticket());
        Assert.NotEmpty(_shared.GetFiles("key-*.xml"));

        // Another instance started after the first stopped (a restart, or a second replica) on the same folder.
        await using var second = Instance(_shared.FullName);
        var read = CookieFormat(second).Unprotect(cookie);
        Assert.Equal("42", read?.Principal.FindFirstValue(ClaimTypes.NameIdentifier));

        // Control: an instance with a ring of its own cannot read it (the cookie is not just readable by anyone).
        await using var stranger = Instance(_other.FullName);
        Assert.Null(CookieFormat(stranger).Unprotect(cookie));
    }
}
