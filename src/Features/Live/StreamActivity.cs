using Conduit.Infrastructure.Auth;
using Conduit.Infrastructure.Errors;
using Conduit.Features.Live.Streams;
using Mediator;

namespace Conduit.Features.Live;

/// <summary>
/// The signed-in user's activity: new articles of people they follow, comments on and favorites of their
/// articles, new followers. Signed in by the <c>Authorization</c> header or by a stream ticket
/// (<see cref="IssueStreamTicket"/>) for clients that cannot send headers.
/// </summary>
public static class StreamActivity
{
    public sealed record Query(string? Ticket) : IQuery<LiveSubscription>;

    internal sealed class Handler(ICurrentUser user, StreamTickets tickets) : IQueryHandler<Query, LiveSubscription>
    {
        public async ValueTask<LiveSubscription> Handle(Query query, CancellationToken cancellationToken)
        {
            if (user.PresentedInvalidToken)
            {
                throw ApiException.Unauthorized("token", "is invalid");
            }

            if (query.Ticket is null)
            {
                return new LiveSubscription(LiveTopics.User(user.RequiredId), user.RequiredId, user.RequiredSessionId);
            }

            // Spent by this attempt whatever follows: a ticket is never good twice.
            var redeemed = await tickets.RedeemAsync(query.Ticket, cancellationToken);
            if (redeemed is not { } holder || (user.Id is { } signedIn && signedIn != holder.UserId))
            {
                throw ApiException.Unauthorized("ticket", "is invalid");
            }

            return new LiveSubscription(LiveTopics.User(holder.UserId), holder.UserId, holder.SessionId);
        }
    }
}
