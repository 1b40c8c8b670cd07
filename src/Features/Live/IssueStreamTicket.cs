using Conduit.Infrastructure.Auth;
using Conduit.Features.Live.Streams;
using Mediator;

namespace Conduit.Features.Live;

/// <summary>A single-use ticket for <c>GET /api/user/live?ticket=...</c>, bound to the caller's session.</summary>
public static class IssueStreamTicket
{
    public sealed record Command : ICommand<TicketEnvelope>, IAuthenticated;

    public sealed record TicketEnvelope(string Ticket, int ExpiresIn);

    internal sealed class Handler(ICurrentUser user, StreamTickets tickets) : ICommandHandler<Command, TicketEnvelope>
    {
        public async ValueTask<TicketEnvelope> Handle(Command command, CancellationToken cancellationToken)
        {
            var ticket = await tickets.IssueAsync(user.RequiredId, user.RequiredSessionId, cancellationToken);
            return new TicketEnvelope(ticket, (int)tickets.Lifetime.TotalSeconds);
        }
    }
}
