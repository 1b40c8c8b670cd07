using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conduit.Infrastructure.Json;

/// <summary>Timestamps go out as UTC with exactly three fractional digits, as the contract shows them.</summary>
internal sealed class TimestampConverter : JsonConverter<DateTime>
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTime().ToUniversalTime();

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToUniversalTime().ToString(Format, CultureInfo.InvariantCulture));
}
