namespace Conduit.Tests.Robustness;

/// <summary>What a hostile request should get: an error (4xx with an error body), or a harmless answer (2xx, nothing changed).</summary>
internal enum Expect
{
    Rejected,
    Harmless,
}

internal sealed record HostileCase(string Name, string Method, string Path, byte[]? Body, Expect Expect, string ContentType = "application/json");

/// <summary>
/// Generates the hostile-input corpus from valid requests to every endpoint: each case breaks one thing
/// (syntax, type, shape, size, encoding, content type, path or query) of an otherwise valid request.
/// {slug}, {username} and {comment} are placeholders for real targets, so requests get past routing.
/// </summary>
internal static class HostileCorpus
{
    private static (string Method, string Path, string Wrapper, Dictionary<string, object?> Fields)[] BodyEndpoints(string self) =>
    [
        ("POST", "/api/users", "user", new() { ["username"] = "hostile_user", ["email"] = "hostile@example.test", ["password"] = "password123" }),
        ("POST", "/api/users/login", "user", new() { ["email"] = "hostile@example.test", ["password"] = "password123" }),
        ("PUT", "/api/user", "user", new() { ["username"] = self, ["email"] = $"{self}@example.test", ["password"] = "password456", ["bio"] = "b", ["image"] = "https://img.example.test/a.png" }),
        ("POST", "/api/articles", "article", new() { ["title"] = "t", ["description"] = "d", ["body"] = "b", ["tagList"] = new[] { "x" } }),
        ("PUT", "/api/articles/{slug}", "article", new() { ["title"] = "t2", ["description"] = "d2", ["body"] = "b2", ["tagList"] = new[] { "y" } }),
        ("POST", "/api/articles/{slug}/comments", "comment", new() { ["body"] = "c" }),
    ];

    private static readonly string[] Malformed =
        ["", "{", "}", "[]", "null", "42", "\"text\"", "{\"a\":1,}", "{'single':'quotes'}", "NaN", "{\"x\":\"a\"\"b\"}", "\u0000"];

    private static readonly string[] Injections =
        ["' OR '1'='1", "'; DROP TABLE users; --", "1 OR 1=1", "\" OR \"\"=\"", "admin'--", "1; SELECT pg_sleep(5)", "$1' UNION SELECT password_hash FROM users --"];

    private static readonly string[] BadLimits = ["0", "-1", "101", "1e3", "abc", "9999999999999999999", "1.5", "0x10", "%00", "1;DROP TABLE articles", "true"];

    private static readonly string[] BadOffsets = ["-1", "abc", "1e3", "-9999999999999999999", "1.5"];

    private static readonly string[] BadIds = ["abc", "1.5", "1e3", "0x1F", "9999999999999999999999", "NaN", "1 OR 1=1"];

    /// <param name="self">The username of the caller, so that an accepted PUT /api/user would be a real change.</param>
    public static List<HostileCase> Build(string self)
    {
        var cases = new List<HostileCase>();
        foreach (var (method, path, wrapper, fields) in BodyEndpoints(self))
        {
            var endpoint = $"{method} {path}";
            var valid = Json(wrapper, fields);

            cases.AddRange(Malformed.Select((text, i) => Case($"{endpoint} malformed #{i}", method, path, text)));
            cases.AddRange(new[] { 0.25, 0.5, 0.75 }.Select(cut => Case($"{endpoint} truncated at {cut:P0}", method, path, valid[..(int)(valid.Length * cut)])));
            cases.Add(Case($"{endpoint} truncated by one", method, path, valid[..^1]));
            cases.Add(Case($"{endpoint} without the {wrapper} wrapper", method, path, Json(null, fields)));
            cases.Add(Case($"{endpoint} wrapper is a string", method, path, $$"""{"{{wrapper}}":"x"}"""));
            cases.Add(Case($"{endpoint} over the size limit", method, path, Json(wrapper, With(fields, fields.Keys.First(), new string('x', 1_100_000)))));
            cases.Add(new($"{endpoint} invalid UTF-8", method, path, [.. "{\"x\":\""u8, 0xC3, 0x28, 0xFF, .. "\"}"u8], Expect.Rejected));
            cases.Add(Case($"{endpoint} as text/plain", method, path, valid, contentType: "text/plain"));
            cases.Add(Case($"{endpoint} as a form", method, path, "user=x", contentType: "application/x-www-form-urlencoded"));

            foreach (var field in fields.Keys)
            {
                object?[] wrongTypes = field == "tagList" ? [42, true, "x", new { x = 1 }, new[] { 1, 2 }] : [42, true, new[] { "x" }, new { x = 1 }];
                cases.AddRange(wrongTypes.Select(value => Case($"{endpoint} {field} as {System.Text.Json.JsonSerializer.Serialize(value)}", method, path, Json(wrapper, With(fields, field, value)))));
                if (field != "tagList")
                {
                    cases.Add(Case($"{endpoint} {field} 300k characters", method, path, Json(wrapper, With(fields, field, new string('a', 300_000)))));
                }

                // A NUL is acceptable inside a password (only its hash is stored), nowhere else.
                if (field != "password")
                {
                    cases.Add(Case($"{endpoint} {field} with a NUL byte", method, path, Json(wrapper, With(fields, field, field == "tagList" ? new[] { "a\0b" } : "a\0b"))));
                }
            }
        }

        cases.Add(Case("POST /api/users/login SQL injection in email", "POST", "/api/users/login", Json("user", new() { ["email"] = "' OR '1'='1", ["password"] = "' OR '1'='1" })));
        cases.Add(Case("POST /api/users SQL injection in username", "POST", "/api/users", Json("user", new() { ["username"] = "admin'--", ["email"] = "x@example.test", ["password"] = "password123" })));

        foreach (var feed in new[] { "/api/articles", "/api/articles/feed" })
        {
            cases.AddRange(BadLimits.Select(limit => Case($"GET {feed}?limit={limit}", "GET", $"{feed}?limit={Uri.EscapeDataString(limit)}", null)));
            cases.AddRange(BadOffsets.Select(offset => Case($"GET {feed}?offset={offset}", "GET", $"{feed}?offset={Uri.EscapeDataString(offset)}", null)));
        }

        var comment = Json("comment", new() { ["body"] = "c" });
        var article = Json("article", new() { ["title"] = "t" });
        foreach (var injection in Injections)
        {
            var segment = Uri.EscapeDataString(injection);
            cases.Add(Case($"GET profile '{injection}'", "GET", $"/api/profiles/{segment}", null));
            cases.Add(Case($"POST follow '{injection}'", "POST", $"/api/profiles/{segment}/follow", null));
            cases.Add(Case($"DELETE follow '{injection}'", "DELETE", $"/api/profiles/{segment}/follow", null));
            cases.Add(Case($"GET article '{injection}'", "GET", $"/api/articles/{segment}", null));
            cases.Add(Case($"PUT article '{injection}'", "PUT", $"/api/articles/{segment}", article));
            cases.Add(Case($"DELETE article '{injection}'", "DELETE", $"/api/articles/{segment}", null));
            cases.Add(Case($"POST favorite '{injection}'", "POST", $"/api/articles/{segment}/favorite", null));
            cases.Add(Case($"DELETE favorite '{injection}'", "DELETE", $"/api/articles/{segment}/favorite", null));
            cases.Add(Case($"GET comments '{injection}'", "GET", $"/api/articles/{segment}/comments", null));
            cases.Add(Case($"POST comment '{injection}'", "POST", $"/api/articles/{segment}/comments", comment));
            cases.Add(Case($"DELETE comment id '{injection}'", "DELETE", $"/api/articles/{{slug}}/comments/{segment}", null));
            foreach (var filter in new[] { "tag", "author", "favorited" })
            {
                cases.Add(Case($"GET articles?{filter}='{injection}'", "GET", $"/api/articles?{filter}={segment}", null, Expect.Harmless));
            }
        }

        // The refresh token is a body member of its own (no wrapper); none of these may reach a session.
        const string refresh = "/api/users/refresh";
        cases.AddRange(Malformed.Select((text, i) => Case($"POST {refresh} malformed #{i}", "POST", refresh, text)));
        object?[] refreshTokens = [42, true, new[] { "x" }, new { x = 1 }, "", "a\0b", $"{Guid.Empty:N}.{new string('A', 43)}", .. Injections];
        cases.AddRange(refreshTokens.Select((value, i) => Case($"POST {refresh} refreshToken #{i}", "POST", refresh, System.Text.Json.JsonSerializer.Serialize(new { refreshToken = value }))));
        cases.Add(Case($"POST {refresh} refreshToken 300k characters", "POST", refresh, System.Text.Json.JsonSerializer.Serialize(new { refreshToken = new string('a', 300_000) })));
        cases.Add(Case($"POST {refresh} as text/plain", "POST", refresh, """{"refreshToken":"x"}""", contentType: "text/plain"));
        cases.AddRange(BadIds.Concat(Injections).Select(id => Case($"DELETE session id {id}", "DELETE", $"/api/user/sessions/{Uri.EscapeDataString(id)}", null)));
        cases.Add(Case("DELETE an unknown session", "DELETE", $"/api/user/sessions/{Guid.NewGuid()}", null));

        cases.AddRange(BadIds.Select(id => Case($"DELETE comment id {id}", "DELETE", $"/api/articles/{{slug}}/comments/{Uri.EscapeDataString(id)}", null)));
        cases.Add(Case("DELETE someone else's comment", "DELETE", "/api/articles/{slug}/comments/{comment}", null));
        return cases;
    }

    private static HostileCase Case(string name, string method, string path, string? body, Expect expect = Expect.Rejected, string contentType = "application/json") =>
        new(name, method, path, body is null ? null : System.Text.Encoding.UTF8.GetBytes(body), expect, contentType);

    private static Dictionary<string, object?> With(Dictionary<string, object?> fields, string field, object? value) => new(fields) { [field] = value };

    private static string Json(string? wrapper, Dictionary<string, object?> fields) =>
        System.Text.Json.JsonSerializer.Serialize(wrapper is null ? fields : new Dictionary<string, object?> { [wrapper] = fields });
}
