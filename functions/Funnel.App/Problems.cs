using Microsoft.AspNetCore.Http.HttpResults;

namespace Funnel.App;

/// <summary>RFC 7807 problems with a detail a person can act on. Types are stable URIs clients may switch on.</summary>
internal static class Problems
{
    private const string TypeBase = "https://funnel.example/problems/";

    public static ProblemHttpResult Create(int status, string type, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: TypeBase + type, extensions: extensions);

    public static ProblemHttpResult BadRequest(string detail) => Create(StatusCodes.Status400BadRequest, "bad-request", "The request is not valid", detail);

    /// <summary>A path's lead id that cannot be one: the same answer from every endpoint that takes a lead id.</summary>
    public static ProblemHttpResult BadLeadId() => BadRequest("A lead id is 32 lowercase hex characters, as returned by POST /api/scans.");

    public static ProblemHttpResult NotFound(string detail) => Create(StatusCodes.Status404NotFound, "not-found", "Not found", detail);

    public static ProblemHttpResult Forbidden(string detail) => Create(StatusCodes.Status403Forbidden, "forbidden", "Not allowed", detail);

    public static ProblemHttpResult Unavailable(string detail) =>
        Create(StatusCodes.Status503ServiceUnavailable, "unavailable", "Temporarily unavailable", detail);
}
