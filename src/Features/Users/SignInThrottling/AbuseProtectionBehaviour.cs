using Conduit.Infrastructure.Errors;
using Conduit.Infrastructure.Http;
using Mediator;

namespace Conduit.Features.Users.SignInThrottling;

/// <summary>
/// After validation (a malformed request costs nothing and counts for nothing), before the handler: a
/// throttled login never reaches the password hash, which is what makes a flood of guesses cheap to refuse.
/// </summary>
public sealed class AbuseProtectionBehaviour<TMessage, TResponse>(SignInThrottle throttle, IHttpContextAccessor http) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken) => message switch
    {
        IThrottledLogin login => LoginAsync(login.Account ?? "", message, next, cancellationToken),
        ICountsFailedLogins counted => CountedAsync(counted.Account ?? "", message, next, cancellationToken),
        IThrottledSignUp => SignUpAsync(message, next, cancellationToken),
        _ => next(message, cancellationToken),
    };

    private async ValueTask<TResponse> LoginAsync(string account, TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var attempt = await throttle.BeginLoginAsync(Address(), account, cancellationToken);
        var settlement = new LoginSettlement(attempt.Keys, attempt.ResetKey);
        LoginSettlement.Begin(settlement);
        TResponse response;
        try
        {
            response = await next(message, cancellationToken);
        }
        catch (ApiException failure) when (failure.Status == StatusCodes.Status401Unauthorized)
        {
            // Recorded even when the client has hung up: aborting after the guess must not make it free.
            await throttle.FailAsync(attempt, CancellationToken.None);
            throw;
        }

        // Usually already done, in the round trip that started the session.
        if (!settlement.Settled)
        {
            await throttle.SucceedAsync(attempt, CancellationToken.None);
        }

        return response;
    }

    private async ValueTask<TResponse> CountedAsync(string account, TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        try
        {
            return await next(message, cancellationToken);
        }
        catch (ApiException failure) when (failure.Status == StatusCodes.Status401Unauthorized)
        {
            await throttle.CountFailureAsync(Address(), account, CancellationToken.None);
            throw;
        }
    }

    private async ValueTask<TResponse> SignUpAsync(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        await throttle.SignUpAsync(Address(), cancellationToken);
        return await next(message, cancellationToken);
    }

    private string Address() => http.HttpContext is { } context ? ClientAddress.KeyOf(context) : "unknown";
}
