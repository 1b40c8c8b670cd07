using Carter;
using Conduit.Features;
using Conduit.Features.Admin;
using Conduit.Features.Demo;
using Conduit.Features.Users.SignInThrottling;
using Conduit.Infrastructure.AbuseProtection;
using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Caching;
using Conduit.Infrastructure.Database;
using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Health;
using Conduit.Infrastructure.Hosting;
using Conduit.Infrastructure.Http;
using Conduit.Infrastructure.Idempotency;
using Conduit.Infrastructure.Json;
using Conduit.Infrastructure.Notifications;
using Conduit.Infrastructure.OpenApi;
using Conduit.Infrastructure.Pipeline;
using Conduit.Infrastructure.Telemetry;
using Conduit.Infrastructure.Validation;
using Microsoft.Extensions.Options;
using Npgsql;

// The content root is the API's own folder, not the working directory: a service manager or the fleet script
// starting `dotnet /path/Api.dll` from elsewhere still reads appsettings*.json.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.AddConduitTelemetry();
builder.Services
    .AddSingleton(TimeProvider.System)
    .AddConduitJson()
    .AddConduitDatabase(builder.Configuration)
    .AddConduitAuth(builder.Environment)
    .AddConduitHealth()
    .AddConduitCors(builder.Environment)
    .AddConduitForwardedHeaders()
    .AddConduitAbuseProtection()
    .AddConduitNotifications(builder.Configuration)
    .AddConduitCache()
    .AddConduitIdempotency()
    .AddSingleton<Conduit.Infrastructure.Paging.Cursors>()
    .AddConduitLimits()
    .AddConduitShutdown()
    .AddConduitOpenApi()
    .AddConduitFeatures(builder.Configuration)
    .AddMediator(options =>
    {
        // Handlers are stateless (the data source and the current user are singletons): one instance each.
        options.ServiceLifetime = ServiceLifetime.Singleton;
        options.PipelineBehaviors =
        [
            typeof(TelemetryBehaviour<,>),
            typeof(AuthenticationBehaviour<,>),
            typeof(RoleBehaviour<,>),
            typeof(ValidationBehaviour<,>),
            typeof(AbuseProtectionBehaviour<,>),
            typeof(ReadRoutingBehaviour<,>),
            typeof(ReadCacheBehaviour<,>),
        ];
    })
    .AddConduitValidation()
    .AddCarter(configurator: carter => carter.WithEmptyValidators())
    // Malformed JSON and unbindable parameters throw, so the error middleware answers in the contract's shape.
    .Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);

try
{
    var app = builder.Build();

    // Configuration errors first, before anything touches the database.
    app.Services.GetRequiredService<IStartupValidator>().Validate();
    var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Conduit.Migrations");
    await Migrator.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), logger, CancellationToken.None);
    if (args.Contains("--migrate"))
    {
        return 0;
    }

    // Demo data for a fresh checkout (./run.sh --demo), then the API runs as usual.
    if (args.Contains("--demo"))
    {
        await DemoData.LoadAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), Console.Out);
    }

    // Roles are given from the command line only (the first admin cannot come from an endpoint).
    if (RoleCommand.Parse(args) is { } roleCommand)
    {
        return await roleCommand.RunAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), Console.Out, Console.Error);
    }

    // First: everything after it sees the client's address, not the proxy's.
    app.UseForwardedHeaders();

    // Outside the error middleware, which clears the response: error bodies keep these headers.
    app.UseMiddleware<RequestLogging>();
    app.UseCors();
    app.UseSecurityHeaders();
    app.UseMiddleware<ErrorHandlingMiddleware>();
    app.UseStatusCodePages(StatusCodeBodies.WriteAsync);
    app.UseRequestBodyLimit();
    app.UseConduitAuthentication();
    app.UseConditionalGet();
    app.UseIdempotency();
    app.MapConduitHealth();
    app.MapConduitMetrics();
    app.MapConduitDocs();
    app.MapCarter();

    await app.RunAsync();
    return 0;
}
catch (Exception exception) when (IsMisconfiguration(exception))
{
    // Misconfiguration: one line that says what to fix, and a non-zero exit.
    var reasons = exception is AggregateException all ? all.InnerExceptions.Select(inner => inner.Message) : [exception.Message];
    await Console.Error.WriteLineAsync($"Conduit cannot start: {string.Join("; ", reasons)}");
    return 1;
}

// Several invalid sections at once arrive together, as an AggregateException.
static bool IsMisconfiguration(Exception exception) =>
    exception is OptionsValidationException or InvalidOperationException or NpgsqlException
    || exception is AggregateException all && all.InnerExceptions.All(IsMisconfiguration);

/// <summary>Exposed for WebApplicationFactory in the tests.</summary>
public partial class Program;
