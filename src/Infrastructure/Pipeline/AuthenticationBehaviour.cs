using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Mediator;

namespace Conduit.Infrastructure.Pipeline;

/// <summary>
/// Before validation, so an anonymous caller learns it must log in rather than what is wrong with
/// its body. A token that was sent but does not validate is refused everywhere, also where a token
/// is optional: the client should know its session is gone.
/// </summary>
public sealed class AuthenticationBehaviour<TMessage, TResponse>(ICurrentUser user) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (user.PresentedInvalidToken)
        {
            throw ApiException.Unauthorized("token", "is invalid");
        }

        if (message is IAuthenticated && user.Id is null)
        {
            throw ApiException.Unauthorized("token", "is missing");
        }

        return next(message, cancellationToken);
    }
}
