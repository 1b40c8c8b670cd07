namespace Conduit.Infrastructure.Pipeline;

/// <summary>The use-case name of a request type: <c>CreateArticle</c> for <c>CreateArticle.Command</c>.</summary>
internal static class UseCase<TMessage>
{
    public static readonly string Name = typeof(TMessage).DeclaringType?.Name ?? typeof(TMessage).Name;
}
