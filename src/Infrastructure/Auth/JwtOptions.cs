using System.ComponentModel.DataAnnotations;
using System.Text;

namespace Conduit.Infrastructure.Auth;

public sealed class JwtOptions
{
    public const string Section = "Jwt";

    /// <summary>HS256 key; at least 32 bytes of UTF-8. Required outside Development.</summary>
    public string SigningKey { get; set; } = "";

    [Required]
    public string Issuer { get; set; } = "conduit";

    [Required]
    public string Audience { get; set; } = "conduit";

    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(7);

    public byte[] KeyBytes() => Encoding.UTF8.GetBytes(SigningKey);
}
