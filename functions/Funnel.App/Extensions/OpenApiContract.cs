using System.Reflection;
using System.Security.Claims;
using Funnel.App.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace Funnel.App.Extensions;

/// <summary>
/// Makes /openapi/v1.json say what the API really answers, from each endpoint's metadata rather than per route: the
/// bearer scheme and who needs it; 401/403 where authorization applies; 429 under the public rate limit; 413 under a
/// request size limit; 400 and 415 where a JSON body is read; 400 where a non-text parameter is bound; 503 where
/// storage is reached (a handler's service that depends on it, or the staff lookup every signed-in request may make).
/// Routes declare only what a handler decides itself (<c>.ProducesProblem(404)</c>, a redirect, a raw body). Every
/// problem is application/problem+json with a ProblemDetails schema (HttpValidationProblemDetails where a handler
/// lists field errors); 3xx carry a required Location. Schemas: <see cref="OpenApiSchemas"/>.
/// The contract test (tests/…/Contract) checks every response the tests receive against this document.
/// </summary>
internal static class OpenApiContract
{
    public const string BearerScheme = "Bearer";
    public const string ShopperSessionScheme = "ShopperSession";
    public const string ProblemSchema = "ProblemDetails";
    public const string ValidationProblemSchema = "HttpValidationProblemDetails";
    public const string ProblemContentType = "application/problem+json";

    private static readonly Type[] StorageClients = [typeof(StorageConnection), typeof(FunnelTables), typeof(FunnelQueues), typeof(FunnelBlobs)];

    private static readonly Dictionary<int, string> Descriptions = new()
    {
        [400] = "The request is not valid (what is wrong is in detail, and per field in errors).",
        [401] = "No bearer token, or the token was refused.",
        [403] = "The token's role or store does not allow this.",
        [404] = "Not found.",
        [409] = "Conflict with the current state.",
        [410] = "Gone: the link has expired.",
        [413] = "The request body is larger than this endpoint accepts.",
        [415] = "The body's media type is not accepted.",
        [429] = "Too many requests from this address; retry after Retry-After seconds.",
        [503] = "Storage did not answer; nothing was lost. Retry in a moment.",
    };

    public static void Configure(OpenApiOptions options)
    {
        options.AddSchemaTransformer(OpenApiSchemas.TransformAsync);
        options.AddOperationTransformer(TransformOperationAsync);
        options.AddDocumentTransformer(TransformDocumentAsync);
    }

    /// <summary>The raw body of an endpoint that streams it (not JSON), in the media types it accepts.</summary>
    public static RouteHandlerBuilder AcceptsRawBody(this RouteHandlerBuilder builder, string description, IReadOnlyList<string> contentTypes) =>
        builder.WithMetadata(new RawBodyMetadata(description, contentTypes));

    internal sealed record RawBodyMetadata(string Description, IReadOnlyList<string> ContentTypes);

    private static Task TransformDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A JWT with the Funnel roles (hq, store, clerk, pos) and, for store-scoped roles, the storeId (and clerkId) claims " +
                "or a staff assignment. Locally: ./run.sh token --role hq.",
        };
        document.Components.SecuritySchemes[ShopperSessionScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = Auth.ShopperAccess.Header,
            Description = "The shopper's session, as POST /api/scans answered it (session): that lead at that store, until it expires.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(ProblemSchema)) document.Components.Schemas[ProblemSchema] = OpenApiSchemas.Problem();
        if (!document.Components.Schemas.ContainsKey(ValidationProblemSchema)) document.Components.Schemas[ValidationProblemSchema] = OpenApiSchemas.ValidationProblem();
        OpenApiSchemas.TightenComponents(document);
        return Task.CompletedTask;
    }

    private static Task TransformOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var handler = metadata.OfType<MethodInfo>().FirstOrDefault();
        var parameters = handler?.GetParameters() ?? [];
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var authorized = !anonymous && (metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<AuthorizationPolicy>().Any());
        var jsonBody = description.ParameterDescriptions.Any(p => p.Source == BindingSource.Body);
        var rawBody = metadata.OfType<RawBodyMetadata>().LastOrDefault();
        operation.Responses ??= [];

        if (metadata.OfType<Auth.ShopperSessionMetadata>().Any())
        {
            // Either credential: a staff token, or the shopper's session.
            operation.Security = [Requirement(context.Document), new() { [new OpenApiSecuritySchemeReference(ShopperSessionScheme, context.Document)] = [] }];
            AddProblem(operation, 401);
            AddProblem(operation, 403);
        }
        else if (authorized)
        {
            operation.Security = [Requirement(context.Document)];
            AddProblem(operation, 401);
            if (Forbids(metadata)) AddProblem(operation, 403);
        }
        else if (parameters.Any(p => p.ParameterType == typeof(ClaimsPrincipal)))
        {
            // Open to all, and a token (when sent) changes what the caller may do.
            operation.Security = [new OpenApiSecurityRequirement(), Requirement(context.Document)];
        }
        if (jsonBody || description.ParameterDescriptions.Any(p => p.Source != BindingSource.Body && p.Type is { } t && t != typeof(string)))
        {
            AddProblem(operation, 400);
        }
        if (jsonBody || rawBody is not null) AddProblem(operation, 415);
        if (metadata.OfType<IRequestSizeLimitMetadata>().Any(m => m.MaxRequestBodySize is not null)) AddProblem(operation, 413);
        if (metadata.OfType<EnableRateLimitingAttribute>().Any(a => a.PolicyName == HostingExtensions.PublicRateLimit))
        {
            AddProblem(operation, 429).Headers![Microsoft.Net.Http.Headers.HeaderNames.RetryAfter] = Header("Seconds to wait before the next request.", JsonSchemaType.Integer, required: false);
        }
        if (authorized || parameters.Any(p => TouchesStorage(p.ParameterType, [])))
        {
            AddProblem(operation, 503);
        }
        if (rawBody is not null)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = rawBody.Description,
                Content = rawBody.ContentTypes.ToDictionary(t => t, _ => new OpenApiMediaType()),
            };
        }
        Normalize(operation, context.Document);
        return Task.CompletedTask;
    }

    private static OpenApiSecurityRequirement Requirement(OpenApiDocument? document) =>
        new() { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] };

    /// <summary>403 is possible when a role is required or the route is scoped to the token's store.</summary>
    private static bool Forbids(IList<object> metadata) =>
        metadata.OfType<Auth.StoreScopeMetadata>().Any()
        || metadata.OfType<IAuthorizeData>().Any(a => !string.IsNullOrEmpty(a.Roles) || !string.IsNullOrEmpty(a.Policy))
        || metadata.OfType<AuthorizationPolicy>().Any(p => p.Requirements.Any(r => r is not DenyAnonymousAuthorizationRequirement));

    /// <summary>
    /// Whether a handler's service reaches storage: it is a storage client, or one of this app's types built (through its
    /// constructors) on one.
    /// </summary>
    private static bool TouchesStorage(Type type, HashSet<Type> seen) =>
        StorageClients.Contains(type)
        || (type.Assembly == typeof(OpenApiContract).Assembly && seen.Add(type)
            && type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
                .SelectMany(c => c.GetParameters()).Any(p => TouchesStorage(p.ParameterType, seen)));

    private static OpenApiResponse AddProblem(OpenApiOperation operation, int status)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(key, out var declared) && declared is OpenApiResponse existing)
        {
            existing.Headers ??= new Dictionary<string, IOpenApiHeader>();
            return existing;
        }
        var response = new OpenApiResponse { Description = Descriptions[status], Headers = new Dictionary<string, IOpenApiHeader>() };
        operation.Responses[key] = response;
        return response;
    }

    /// <summary>
    /// Every 4xx/5xx as a problem (keeping a declared validation problem's schema); 3xx with their Location; 201 and 202
    /// with the Location they may carry.
    /// </summary>
    private static void Normalize(OpenApiOperation operation, OpenApiDocument? document)
    {
        foreach (var (key, value) in operation.Responses!)
        {
            if (value is not OpenApiResponse response || !int.TryParse(key, out var status)) continue;
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            if (status >= 400)
            {
                var declared = response.Content?.Values.Select(m => m.Schema).OfType<OpenApiSchemaReference>().FirstOrDefault()?.Reference.Id;
                var schema = declared == ValidationProblemSchema && status == 400 ? ValidationProblemSchema : ProblemSchema;
                response.Content = new Dictionary<string, OpenApiMediaType>
                {
                    [ProblemContentType] = new() { Schema = new OpenApiSchemaReference(schema, document) },
                };
                if (Descriptions.TryGetValue(status, out var text) && (string.IsNullOrEmpty(response.Description) || response.Description == Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)))
                {
                    response.Description = text;
                }
            }
            else if (status is >= 300 and < 400)
            {
                response.Content = null;
                response.Headers["Location"] = Header("Where to go.", JsonSchemaType.String, required: true);
            }
            else if (status is 201 or 202)
            {
                response.Headers["Location"] = Header(status == 201 ? "The created resource." : "Where to follow the accepted work.", JsonSchemaType.String, required: status == 201);
            }
        }
    }

    private static OpenApiHeader Header(string description, JsonSchemaType type, bool required) =>
        new() { Description = description, Required = required, Schema = new OpenApiSchema { Type = type } };
}
