using System.Text.Encodings.Web;
using System.Text.Json.Serialization;
using System.Text.Unicode;

namespace Conduit.Infrastructure.Json;

public static class JsonSetup
{
    public static IServiceCollection AddConduitJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.Converters.Add(new TimestampConverter());
            // Numbers are numbers: "20" is not 20 (the web default accepts both, and documents both).
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            // User text leaves with < > & ' escaped (defence in depth should a response ever be rendered as
            // HTML); other scripts stay readable, unlike the ASCII-only default encoder.
            options.SerializerOptions.Encoder = JavaScriptEncoder.Create(UnicodeRanges.All);
        });
}
