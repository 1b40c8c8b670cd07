using Conduit.Infrastructure.Auth;
using Dapper;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Conduit.Features.Admin;

/// <summary>TODO: what SuspendUser does, in one sentence of the contract.</summary>
public static class SuspendUser
{
    public sealed record Command(string? Reason) : ICommand<Result>, IAuthenticated;

    public sealed record Result(string Outcome);

    internal sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(command => command.Reason).NotEmpty().WithMessage("can't be blank");
    }

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command, Result>
    {
        // TODO: one set-based statement; parameters only (never values in the string); an index for every filter.
        private const string Sql = "SELECT @Viewer::bigint";

        public async ValueTask<Result> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            _ = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Sql, new { Viewer = user.RequiredId }, cancellationToken: cancellationToken));
            throw new NotImplementedException("SuspendUser: write its SQL and its answer");
        }
    }
}
