using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;

namespace MultichannelMessages.Front.Hardening;

/// <summary>Section <c>DataProtection</c>: where the console's key ring lives. The keys protect the session cookie and
/// the antiforgery tokens; every Front instance must read the same ring, and it must outlive a restart, or a deploy
/// signs everyone out and a second instance refuses the first one's cookies.</summary>
public sealed class KeyRingOptions
{
    public const string Section = "DataProtection";

    /// <summary>A folder every Front instance mounts (a shared volume). Unset: the framework's per-machine default
    /// (the user's home, or memory in a container), fine for one instance on one machine and nothing else.</summary>
    public string KeysFolder { get; set; } = "";

    /// <summary>A PKCS#12 certificate that encrypts the keys at rest (ProtectKeysWithCertificate); without one the
    /// key files are plain XML, readable by whoever can read the folder.</summary>
    public string CertificatePath { get; set; } = "";

    public string CertificatePassword { get; set; } = "";
}

public static partial class KeyRing
{
    /// <summary>The ring's application name: instances that share it must agree on it (it isolates the purposes).</summary>
    public const string ApplicationName = "multichannel-messages-console";

    public static WebApplicationBuilder AddConsoleKeyRing(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(KeyRingOptions.Section).Get<KeyRingOptions>() ?? new KeyRingOptions();
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName(ApplicationName);
        if (options.KeysFolder.Length > 0)
        {
            var folder = Directory.CreateDirectory(options.KeysFolder);
            // Only the service's own user reads the keys.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            dataProtection.PersistKeysToFileSystem(folder);
        }
        if (options.CertificatePath.Length > 0)
            dataProtection.ProtectKeysWithCertificate(X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath,
                options.CertificatePassword.Length > 0 ? options.CertificatePassword : null));
        return builder;
    }

    /// <summary>Says once at start when the ring is not shared, so an operator running several instances finds out
    /// from the log, not from agents signed out.</summary>
    public static void WarnIfKeyRingIsLocal(this WebApplication app)
    {
        var options = app.Configuration.GetSection(KeyRingOptions.Section).Get<KeyRingOptions>() ?? new KeyRingOptions();
        if (options.KeysFolder.Length == 0) LogLocalKeyRing(app.Logger);
    }

    [LoggerMessage(300, LogLevel.Warning, "DataProtection:KeysFolder is not set: the console's key ring is local to this instance, so a restart or a second instance signs users out")]
    private static partial void LogLocalKeyRing(ILogger logger);
}
