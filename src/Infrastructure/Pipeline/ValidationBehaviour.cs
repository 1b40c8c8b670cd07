using Conduit.Infrastructure.Errors;
using FluentValidation;
using Mediator;

namespace Conduit.Infrastructure.Pipeline;

/// <summary>Runs the request's FluentValidation validators once; failures become a 422 in the contract's shape.</summary>
public sealed class ValidationBehaviour<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{

    private readonly IValidator<TMessage>[] validators = [.. validators];

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (validators.Length > 0)
        {
            var failures = new List<FluentValidation.Results.ValidationFailure>();
            foreach (var validator in validators)
            {
                var result = await validator.ValidateAsync(message, cancellationToken);
                failures.AddRange(result.Errors);
            }

            if (failures.Count > 0)
            {
                throw ApiException.Invalid(ToEnvelope(failures));
            }
        }

        return await next(message, cancellationToken);
    }

    /// <summary><c>User.Email</c> is reported as <c>email</c>: the contract names the field, not the path.</summary>
    internal static ErrorEnvelope ToEnvelope(IEnumerable<FluentValidation.Results.ValidationFailure> failures) => new(
        failures
            .GroupBy(failure => FieldName(failure.PropertyName))
            .ToDictionary(group => group.Key, group => group.Select(failure => failure.ErrorMessage).Distinct().ToArray()));

    private static string FieldName(string propertyPath)
    {
        var name = propertyPath[(propertyPath.LastIndexOf('.') + 1)..];
        var bracket = name.IndexOf('[', StringComparison.Ordinal);
        if (bracket >= 0)
        {
            name = name[..bracket];
        }

        return name.Length == 0 ? "body" : char.ToLowerInvariant(name[0]) + name[1..];
    }
}
