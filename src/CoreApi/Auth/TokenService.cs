using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MultichannelMessages.CoreApi.Auth;

public sealed record AppUser(long Id, string DisplayName);

public sealed record TokenPair(string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt);

/// <summary>Short-lived signed access tokens (HS256) and opaque refresh tokens, stored only as their SHA-256.</summary>
public sealed class TokenService
{
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
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = "name",
        };
    }

    public TokenValidationParameters ValidationParameters { get; }

    public TokenPair Issue(AppUser user)
    {
        var now = _clock.GetUtcNow();
        var accessExpires = now.AddMinutes(_options.AccessTokenMinutes);
        var access = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            Subject = new ClaimsIdentity([new Claim("sub", user.Id.ToString()), new Claim("name", user.DisplayName)]),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = accessExpires.UtcDateTime,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
        var refresh = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return new TokenPair(access, accessExpires, refresh, now.AddDays(_options.RefreshTokenDays));
    }

    public static byte[] HashRefreshToken(string refreshToken) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(refreshToken));

    public static long? UserId(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirst("sub")?.Value, out var id) ? id : null;
}
