using System.Security.Cryptography;
using System.Text;

namespace MultichannelMessages.MetaSandbox.Calls;

/// <summary>
/// Session descriptions (RFC 8866) as far as the signalling needs them. There is no WebRTC stack here, so the sandbox
/// checks what WebRTC cannot work without and writes descriptions shaped like the ones Meta sends (ICE-lite, one
/// opus audio section, DTLS fingerprint), which a browser or a parser accepts.
/// </summary>
public static class Sdp
{
    /// <summary>Why the description cannot set up a WhatsApp call, or null. Meta puts "the exact issue" of an SDP
    /// validation error in error_data.details; these sentences are the sandbox's own.</summary>
    public static string? Problem(string? sdp, string sdpType)
    {
        if (string.IsNullOrWhiteSpace(sdp))
            return "session['sdp'] is required.";
        var lines = sdp.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        if (lines.FirstOrDefault(l => !IsLine(l)) is { } bad)
            return $"SDP validation error: line '{Clip(bad)}' is not of the form <type>=<value>.";
        if (lines[0] != "v=0")
            return "SDP validation error: the description must start with v=0.";
        foreach (var required in new[] { "o=", "s=", "t=" })
            if (!lines.Any(l => l.StartsWith(required, StringComparison.Ordinal)))
                return $"SDP validation error: the {required[0]}= line is missing.";
        if (!lines.Any(l => l.StartsWith("m=audio ", StringComparison.Ordinal)))
            return "SDP validation error: no m=audio media section.";
        if (!lines.Any(l => l.StartsWith("a=rtpmap:", StringComparison.Ordinal) && l.Contains(" opus/48000", StringComparison.OrdinalIgnoreCase)))
            return "SDP validation error: the audio section offers no opus/48000 codec.";
        foreach (var attribute in new[] { "a=ice-ufrag:", "a=ice-pwd:", "a=fingerprint:" })
            if (!lines.Any(l => l.StartsWith(attribute, StringComparison.Ordinal) && l.Length > attribute.Length))
                return $"SDP validation error: the {attribute.TrimEnd(':')} attribute is missing.";
        var fingerprint = lines.First(l => l.StartsWith("a=fingerprint:", StringComparison.Ordinal))["a=fingerprint:".Length..].Split(' ');
        if (fingerprint.Length != 2 || !fingerprint[1].Split(':').All(h => h.Length == 2 && h.All(char.IsAsciiHexDigit)))
            return "SDP validation error: a=fingerprint must be '<hash function> <hex bytes separated by colons>'.";
        var setup = lines.FirstOrDefault(l => l.StartsWith("a=setup:", StringComparison.Ordinal))?["a=setup:".Length..];
        if (sdpType == "offer" && setup is not (null or "actpass" or "active" or "passive"))
            return $"SDP validation error: a=setup:{setup} is not valid in an offer.";
        if (sdpType == "answer" && setup == "actpass")
            return "SDP validation error: an answer must not use a=setup:actpass (RFC 5763: active or passive).";
        return null;
    }

    /// <summary>An offer as a WhatsApp client sends it to the business (setup actpass), or the answer Meta returns to a
    /// business offer (setup active: RFC 5763's choice for an answerer).</summary>
    public static string Generate(string sdpType)
    {
        var session = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue);
        var ufrag = Token(4);
        var password = Token(24);
        var fingerprint = string.Join(':', RandomNumberGenerator.GetBytes(32).Select(b => b.ToString("X2")));
        var port = 3478 + RandomNumberGenerator.GetInt32(1, 2000);
        var address = $"157.240.{RandomNumberGenerator.GetInt32(1, 255)}.{RandomNumberGenerator.GetInt32(1, 255)}";
        var lines = new[]
        {
            "v=0",
            $"o=- {session} 2 IN IP4 127.0.0.1",
            "s=-",
            "t=0 0",
            "a=group:BUNDLE audio",
            "a=msid-semantic: WMS",
            "a=ice-lite",
            $"m=audio {port} UDP/TLS/RTP/SAVPF 111 126",
            $"c=IN IP4 {address}",
            "a=rtcp:9 IN IP4 0.0.0.0",
            $"a=candidate:1 1 udp 2122260223 {address} {port} typ host generation 0",
            $"a=ice-ufrag:{ufrag}",
            $"a=ice-pwd:{password}",
            $"a=fingerprint:sha-256 {fingerprint}",
            sdpType == "offer" ? "a=setup:actpass" : "a=setup:active",
            "a=mid:audio",
            "a=sendrecv",
            "a=rtcp-mux",
            "a=rtpmap:111 opus/48000/2",
            "a=fmtp:111 maxaveragebitrate=20000;maxplaybackrate=16000;minptime=20;sprop-maxcapturerate=16000;useinbandfec=1",
            "a=rtpmap:126 telephone-event/8000",
            $"a=ssrc:{RandomNumberGenerator.GetInt32(1, int.MaxValue)} cname:{Token(16)}",
        };
        return string.Join("\r\n", lines) + "\r\n";
    }

    private static bool IsLine(string line) => line.Length >= 2 && line[1] == '=' && char.IsAsciiLetterLower(line[0]);

    private static string Clip(string line) => line.Length > 40 ? line[..40] + "…" : line;

    private static string Token(int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
            text.Append(alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]);
        return text.ToString();
    }
}
