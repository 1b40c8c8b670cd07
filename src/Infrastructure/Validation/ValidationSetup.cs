using FluentValidation;

namespace Conduit.Infrastructure.Validation;

public static class ValidationSetup
{
    public static IServiceCollection AddConduitValidation(this IServiceCollection services)
    {
        // One message per field: "can't be blank" says it all, "is invalid" on top would be noise.
        ValidatorOptions.Global.DefaultRuleLevelCascadeMode = CascadeMode.Stop;

        // Singletons, like the mediator's behaviours that use them: validators hold no state.
        return services.AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton, includeInternalTypes: true);
    }
}
