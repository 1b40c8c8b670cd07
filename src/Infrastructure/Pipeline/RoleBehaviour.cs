using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Mediator;

namespace Conduit.Infrastructure.Pipeline;

/// <summary>
/// After authentication and before validation: a request marked <see cref="IRequireRole"/> goes on only for a
/// user whose stored role is at least the one it names (403 <c>user: forbidden</c> otherwise), so a caller
/// without the role learns nothing about what the request would have done, not even what is wrong with its body.
/// </summary>
public sealed class RoleBehaviour<TMessage, TResponse>(ICurrentUser user, IRoleLookup roles) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken) =>
        message is IRequireRole privileged ? CheckedAsync(privileged.RequiredRole, message, next, cancellationToken) : next(message, cancellationToken);

    private async ValueTask<TResponse> CheckedAsync(Role required, TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var held = await roles.OfAsync(user.RequiredId, cancellationToken);
        if (held is not { } role || role < required)
        {
            throw ApiException.Forbidden("user");
        }

        return await next(message, cancellationToken);
    }
}
