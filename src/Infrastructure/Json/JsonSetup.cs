using System.Text.Json.Serialization;

namespace Conduit.Infrastructure.Json;

public static class JsonSetup
{
    public static IServiceCollection AddConduitJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.Converters.Add(new TimestampConverter());
            // Numbers are numbers: "20" is not 20 (the web default accepts both, and documents both).
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
}
