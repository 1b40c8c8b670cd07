using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Mediator;

namespace Conduit.Infrastructure.Pipeline;

/// <summary>
/// Before validation, so an anonymous caller learns it must log in rather than what is wrong with its body.
/// Only requests that need a user are refused; where a token is optional an invalid, expired or revoked one
/// is answered as anonymous (old clients keep reading the public pages after their session ends), and the
/// <c>WWW-Authenticate</c> header set by <see cref="AuthSetup.UseConduitAuthentication"/> tells the client.
/// </summary>
public sealed class AuthenticationBehaviour<TMessage, TResponse>(ICurrentUser user) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is IAuthenticated && user.Id is null)
        {
            throw ApiException.Unauthorized("token", user.PresentedInvalidToken ? "is invalid" : "is missing");
        }

        return next(message, cancellationToken);
    }
}
