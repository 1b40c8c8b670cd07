using System.Text.Json;
using System.Text.Json.Serialization;

namespace Conduit.Infrastructure.Json;

/// <summary>
/// A JSON member that may be absent, null or a value. Partial updates need all three:
/// <c>{"bio": null}</c> clears the bio, a body without <c>bio</c> keeps it.
/// </summary>
[JsonConverter(typeof(OptionalConverterFactory))]
public readonly struct Optional<T>(T value)
{
    public bool IsSet { get; } = true;

    public T Value { get; } = value;

    public T Or(T fallback) => IsSet ? Value : fallback;

    public static implicit operator Optional<T>(T value) => new(value);
}

internal sealed class OptionalConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(Optional<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(OptionalConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    private sealed class OptionalConverter<T> : JsonConverter<Optional<T>>
    {
        // Called for a present member only, null included: that is what makes it "set".
        public override bool HandleNull => true;

        public override Optional<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            new(JsonSerializer.Deserialize<T>(ref reader, options)!);

        public override void Write(Utf8JsonWriter writer, Optional<T> value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value.Value, options);
    }
}
