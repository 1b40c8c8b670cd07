using Carter;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Database;
using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Json;
using Conduit.Infrastructure.Pipeline;
using Conduit.Infrastructure.Validation;
using Microsoft.Extensions.Options;
using Npgsql;

var builder = WebApplication.CreateBuilder(args);

builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Services
    .AddSingleton(TimeProvider.System)
    .AddConduitJson()
    .AddConduitDatabase(builder.Configuration)
    .AddConduitAuth(builder.Environment)
    .AddMediator(options =>
    {
        // Handlers are stateless (the data source and the current user are singletons): one instance each.
        options.ServiceLifetime = ServiceLifetime.Singleton;
        options.PipelineBehaviors =
        [
            typeof(TelemetryBehaviour<,>),
            typeof(AuthenticationBehaviour<,>),
            typeof(ValidationBehaviour<,>),
        ];
    })
    .AddConduitValidation()
    .AddCarter(configurator: carter => carter.WithEmptyValidators())
    // Malformed JSON and unbindable parameters throw, so the error middleware answers in the contract's shape.
    .Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);

var app = builder.Build();

try
{
    var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Conduit.Migrations");
    await Migrator.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), logger, CancellationToken.None);
    if (args.Contains("--migrate"))
    {
        return 0;
    }

    app.UseMiddleware<ErrorHandlingMiddleware>();
    app.UseStatusCodePages(StatusCodeBodies.WriteAsync);
    app.UseAuthentication();
    app.MapCarter();
    app.MapGet("/health/live", () => TypedResults.Ok()).ExcludeFromDescription();

    await app.RunAsync();
    return 0;
}
catch (Exception exception) when (exception is OptionsValidationException or InvalidOperationException or NpgsqlException)
{
    // Misconfiguration: one line that says what to fix, and a non-zero exit.
    await Console.Error.WriteLineAsync($"Conduit cannot start: {exception.Message}");
    return 1;
}

/// <summary>Exposed for WebApplicationFactory in the tests.</summary>
public partial class Program;
