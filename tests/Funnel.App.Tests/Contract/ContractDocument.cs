using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Funnel.App.Tests.Contract;

/// <summary>
/// /openapi/v1.json as a client reads it, and the check of one response against it: the operation exists for the
/// method and path, the status is declared, so is the content type (or no body), required headers are there, and a
/// JSON body validates against the declared schema. The document is read as JSON: OpenAPI 3.1 schemas are JSON Schema
/// 2020-12, so each response schema is handed to JsonSchema.Net with the components as $defs.
/// </summary>
public sealed class ContractDocument
{
    /// <summary>Formats JSON Schema validates; OpenAPI's own (int32, int64, double…) only annotate.</summary>
    private static readonly HashSet<string> CheckedFormats = ["date-time", "date", "uuid"];

    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private readonly JsonObject _paths;
    private readonly JsonObject _defs;
    private readonly List<(string Template, Regex Pattern, int Parameters)> _templates;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);

    public ContractDocument(string json)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        _paths = root["paths"]!.AsObject();
        _defs = new JsonObject();
        foreach (var (name, schema) in root["components"]?["schemas"]?.AsObject() ?? [])
        {
            _defs[name] = Rewrite(schema);
        }
        _templates = [.. _paths.Select(p => (p.Key, Template(p.Key), p.Key.Count(c => c == '{')))];
    }

    public static async Task<ContractDocument> LoadAsync(HttpClient client) => new(await client.GetStringAsync("/openapi/v1.json"));

    /// <summary>Every operation, as "GET /api/stores/{storeId}".</summary>
    public IReadOnlyList<string> Operations =>
        [.. _paths.SelectMany(p => p.Value!.AsObject().Where(o => o.Key != "parameters").Select(o => $"{o.Key.ToUpperInvariant()} {p.Key}"))];

    /// <summary>The operation a request reached, as "GET /api/stores/{storeId}"; null when no documented path and method match.</summary>
    public string? OperationOf(string method, string path)
    {
        var template = _templates.Where(t => t.Pattern.IsMatch(path) && _paths[t.Template]![method.ToLowerInvariant()] is not null)
            .OrderBy(t => t.Parameters).Select(t => t.Template).FirstOrDefault();
        return template is null ? null : $"{method.ToUpperInvariant()} {template}";
    }

    /// <summary>
    /// Whether an endpoint of the API answered: not one left out of the document (pages, triggers, the document), and
    /// not a response given before routing (the path guard's refusal of dot segments, static files, unknown paths) or
    /// routing's own 405 for a method a path does not take.
    /// </summary>
    public static bool Applies(Exchange exchange) => !exchange.Excluded && exchange.Routed && exchange.Status != 405;

    /// <summary>What is wrong with the exchange against the document; empty when it conforms or is not an API call (<see cref="Applies"/>).</summary>
    public IReadOnlyList<string> Check(Exchange exchange)
    {
        if (!Applies(exchange)) return [];
        var operation = OperationOf(exchange.Method, exchange.Path);
        if (operation is null) return [Failure(exchange, $"{exchange.Method} /{(exchange.Route ?? exchange.Path).TrimStart('/')}", "the document has no such operation")];
        var (method, template) = (operation[..operation.IndexOf(' ', StringComparison.Ordinal)].ToLowerInvariant(), operation[(operation.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        var responses = _paths[template]![method]!["responses"]!.AsObject();
        var status = exchange.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var response = responses[status] ?? responses[$"{status[0]}XX"] ?? responses["default"];
        if (response is null)
        {
            return [Failure(exchange, operation, $"status {status} is not declared (declared: {string.Join(", ", responses.Select(r => r.Key))})")];
        }
        var failures = new List<string>();
        foreach (var (name, header) in response["headers"]?.AsObject() ?? [])
        {
            if (header?["required"]?.GetValue<bool>() == true && !exchange.Headers.ContainsKey(name)) failures.Add(Failure(exchange, operation, $"{status} requires the header {name}"));
        }
        var content = response["content"]?.AsObject();
        if (content is null || content.Count == 0)
        {
            if (exchange.Body.Length > 0) failures.Add(Failure(exchange, operation, $"{status} declares no body, but one came ({exchange.ContentType})"));
            return failures;
        }
        var media = exchange.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var key = content.Select(c => c.Key).FirstOrDefault(k => k == media || (k.EndsWith("/*", StringComparison.Ordinal) && media?.StartsWith(k[..^1], StringComparison.Ordinal) == true));
        if (key is null)
        {
            failures.Add(Failure(exchange, operation, $"{status} with content type {exchange.ContentType ?? "(none)"}, declared: {string.Join(", ", content.Select(c => c.Key))}"));
            return failures;
        }
        if (exchange.Body.Length == 0) failures.Add(Failure(exchange, operation, $"{status} declares {key}, but the body is empty"));
        else if (content[key]?["schema"] is { } schema && IsJson(key) && !exchange.Truncated) failures.AddRange(Validate(exchange, operation, $"{operation} {status} {key}", schema));
        return failures;
    }

    private IEnumerable<string> Validate(Exchange exchange, string operation, string cacheKey, JsonNode schema)
    {
        JsonElement body;
        try
        {
            body = JsonDocument.Parse(exchange.Body).RootElement.Clone();
        }
        catch (JsonException e)
        {
            return [Failure(exchange, operation, $"the body is not JSON: {e.Message}")];
        }
        var results = _schemas.GetOrAdd(cacheKey, _ => Build(schema)).Evaluate(body, Evaluation);
        if (results.IsValid) return [];
        var errors = (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"at '{d.InstanceLocation}' ({e.Key}): {e.Value}"))
            .Distinct(StringComparer.Ordinal).Take(8).ToList();
        return [Failure(exchange, operation, $"{exchange.Status} body does not match its schema: {(errors.Count == 0 ? "invalid" : string.Join("; ", errors))}")];
    }

    /// <summary>The response schema as a JSON Schema document, with every component beside it as $defs.</summary>
    private JsonSchema Build(JsonNode schema)
    {
        var defs = _defs.DeepClone().AsObject();
        defs["__response"] = Rewrite(schema);
        var document = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = $"https://funnel.test/contract/{Guid.NewGuid():N}",
            ["$defs"] = defs,
            ["$ref"] = "#/$defs/__response",
        };
        return JsonSchema.FromText(document.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
    }

    /// <summary>An OpenAPI schema as JSON Schema: component references as $defs references, OpenAPI-only formats dropped.</summary>
    private static JsonNode? Rewrite(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (name, value) in o)
                {
                    if (name == "$ref" && value?.GetValue<string>() is { } target) copy[name] = target.Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
                    else if (name == "format" && value?.GetValue<string>() is { } format && !CheckedFormats.Contains(format)) continue;
                    else copy[name] = Rewrite(value);
                }
                return copy;
            case JsonArray a:
                return new JsonArray([.. a.Select(Rewrite)]);
            default:
                return node?.DeepClone();
        }
    }

    private static bool IsJson(string mediaType) => mediaType == "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal);

    private static Regex Template(string template) =>
        new("^" + string.Join("/", template.Split('/').Select(s => s.StartsWith('{') ? "[^/]+" : Regex.Escape(s))) + "$", RegexOptions.CultureInvariant);

    private static string Failure(Exchange exchange, string operation, string what)
    {
        var body = exchange.Body.Length > 300 ? exchange.Body[..300] + "…" : exchange.Body;
        return $"{operation}: {what}\n    request: {exchange.Method} {exchange.Path}{exchange.Query} (app {exchange.App}) → {exchange.Status} {exchange.ContentType}\n    body: {body}";
    }
}
