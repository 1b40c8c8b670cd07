namespace Conduit.Infrastructure.Json;

public static class JsonSetup
{
    public static IServiceCollection AddConduitJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new TimestampConverter()));
}
