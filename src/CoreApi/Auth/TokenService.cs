using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MultichannelMessages.CoreApi.Auth;

public sealed record AppUser(long Id, string DisplayName);

public sealed record AccessToken(string Token, DateTimeOffset ExpiresAt);

public sealed record RefreshToken(string Token, DateTimeOffset ExpiresAt)
{
    public byte[] Hash => TokenService.HashRefreshToken(Token);
}

/// <summary>Short-lived signed access tokens (HS256 only) naming the user and their session (<c>sid</c>), and opaque
/// refresh tokens, stored only as their SHA-256.</summary>
public sealed class TokenService
{
    public const string SessionClaim = "sid";
    private readonly JwtOptions _options;
    private readonly SymmetricSecurityKey _key;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly TimeProvider _clock;

    public TokenService(IOptions<JwtOptions> options, TimeProvider? clock = null)
    {
        _options = options.Value;
        _key = new SymmetricSecurityKey(_options.KeyBytes());
        _clock = clock ?? TimeProvider.System;
        ValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = _options.Issuer,
            ValidAudience = _options.Audience,
            IssuerSigningKey = _key,
            // Pinned: the key is symmetric, so a token claiming another algorithm (HS512 with the same key, "none")
            // is refused instead of being checked the way its header asks.
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = "name",
        };
    }

    public TokenValidationParameters ValidationParameters { get; }

    public AccessToken IssueAccess(AppUser user, long sessionId)
    {
        var now = _clock.GetUtcNow();
        var expires = now.AddMinutes(_options.AccessTokenMinutes);
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            Subject = new ClaimsIdentity([new Claim("sub", user.Id.ToString()), new Claim("name", user.DisplayName),
                new Claim(SessionClaim, sessionId.ToString())]),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
        return new AccessToken(token, expires);
    }

    public RefreshToken NewRefreshToken() =>
        new(Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32)), _clock.GetUtcNow().AddDays(_options.RefreshTokenDays));

    public static byte[] HashRefreshToken(string refreshToken) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(refreshToken));

    public static long? UserId(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirst("sub")?.Value, out var id) ? id : null;

    public static long? SessionId(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirst(SessionClaim)?.Value, out var id) ? id : null;
}
