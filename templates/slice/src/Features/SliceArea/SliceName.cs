using Conduit.Infrastructure.Auth;
using Dapper;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Conduit.Features.SliceArea;

/// <summary>TODO: what SliceName does, in one sentence of the contract.</summary>
public static class SliceName
{
#if (isQuery)
    public sealed record Query(int? Limit, int? Offset) : IQuery<Result>, IAuthenticated;

    public sealed record Result(string Outcome);
#elif (isPut)
    public sealed record Body(string? Reason);

    public sealed record Command(long Id, string? Reason) : ICommand<Result>, IAuthenticated;

    public sealed record Result(string Outcome);
#elif (isDelete)
    public sealed record Command(long Id) : ICommand, IAuthenticated;
#else
    public sealed record Command(string? Reason) : ICommand<Result>, IAuthenticated;

    public sealed record Result(string Outcome);
#endif

#if (isQuery)
    internal sealed class Validator : AbstractValidator<Query>
    {
        public Validator()
        {
            RuleFor(query => query.Limit).InclusiveBetween(1, 100).WithMessage("must be between 1 and 100");
            RuleFor(query => query.Offset).GreaterThanOrEqualTo(0).WithMessage("must be 0 or more");
        }
    }

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : IQueryHandler<Query, Result>
    {
        // TODO: one round trip for the page and its count; parameters only; an index for every filter and order.
        private const string Sql = "SELECT @Viewer::bigint";

        public async ValueTask<Result> Handle(Query query, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            _ = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Sql, new { Viewer = user.RequiredId }, cancellationToken: cancellationToken));
            throw new NotImplementedException("SliceName: write its SQL and its answer");
        }
    }
#elif (isDelete)
    internal sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(command => command.Id).GreaterThan(0).WithMessage("is invalid");
    }

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command>
    {
        // TODO: decide and act in one statement (not found, forbidden, deleted); parameters only.
        private const string Sql = "SELECT @Viewer::bigint";

        public async ValueTask<Unit> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            _ = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Sql, new { command.Id, Viewer = user.RequiredId }, cancellationToken: cancellationToken));
            throw new NotImplementedException("SliceName: write its SQL");
        }
    }
#else
    internal sealed class Validator : AbstractValidator<Command>
    {
#if (isPut)
        public Validator()
        {
            RuleFor(command => command.Id).GreaterThan(0).WithMessage("is invalid");
            RuleFor(command => command.Reason).NotEmpty().WithMessage("can't be blank");
        }
#else
        public Validator() => RuleFor(command => command.Reason).NotEmpty().WithMessage("can't be blank");
#endif
    }

    internal sealed class Handler(NpgsqlDataSource db, ICurrentUser user) : ICommandHandler<Command, Result>
    {
        // TODO: one set-based statement; parameters only (never values in the string); an index for every filter.
        private const string Sql = "SELECT @Viewer::bigint";

        public async ValueTask<Result> Handle(Command command, CancellationToken cancellationToken)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            _ = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Sql, new { Viewer = user.RequiredId }, cancellationToken: cancellationToken));
            throw new NotImplementedException("SliceName: write its SQL and its answer");
        }
    }
#endif
}
