namespace Conduit.Infrastructure.Pipeline;

/// <summary>
/// The use-case name of a request type: <c>CreateArticle</c> for <c>CreateArticle.Command</c>; a use case's
/// inner request keeps its own name after it (<c>ListArticles.Page</c>, the cached shared page).
/// </summary>
internal static class UseCase<TMessage>
{
    public static readonly string Name = typeof(TMessage) switch
    {
        { DeclaringType: null } type => type.Name,
        { Name: "Command" or "Query", DeclaringType: { } useCase } => useCase.Name,
        { DeclaringType: { } useCase } type => $"{useCase.Name}.{type.Name}",
    };
}
