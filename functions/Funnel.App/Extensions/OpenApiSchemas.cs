using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Funnel.App.Extensions;

/// <summary>
/// Schemas as the JSON really is. Numbers are numbers: the generator also allows a numeric string (what the reader
/// would accept), but the app never writes one, and clients should not send one. A nullable property is optional:
/// the app leaves null properties out of what it writes (WhenWritingNull), and a nullable request field may be left out.
/// </summary>
internal static class OpenApiSchemas
{
    public static Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        Tighten(schema);
        return Task.CompletedTask;
    }

    /// <summary>RFC 9457 problem details as every error answer carries them (extensions such as traceId allowed).</summary>
    public static OpenApiSchema Problem() => new()
    {
        Type = JsonSchemaType.Object,
        Properties = ProblemProperties(),
    };

    /// <summary>A problem that lists what is wrong per field.</summary>
    public static OpenApiSchema ValidationProblem()
    {
        var properties = ProblemProperties();
        properties["errors"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
        };
        return new() { Type = JsonSchemaType.Object, Properties = properties };
    }

    private static Dictionary<string, IOpenApiSchema> ProblemProperties() => new()
    {
        ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
        ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
        ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
        ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
        ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
        ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
    };

    /// <summary>
    /// Applies the same rules to the finished components: a property whose schema is a reference becomes nullable
    /// (oneOf null or the reference) only after the schema transformers ran.
    /// </summary>
    public static void TightenComponents(OpenApiDocument document)
    {
        foreach (var schema in document.Components?.Schemas?.Values ?? []) Tighten(schema);
    }

    private static void Tighten(IOpenApiSchema? candidate)
    {
        // A reference is tightened where its schema is defined.
        if (candidate is not OpenApiSchema schema) return;
        if (schema.Type is { } type && (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (type & JsonSchemaType.String) != 0)
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
        if (schema.Properties is { } properties)
        {
            foreach (var (name, property) in properties)
            {
                if (IsNullable(property)) schema.Required?.Remove(name);
                Tighten(property);
            }
        }
        Tighten(schema.Items);
        Tighten(schema.AdditionalProperties);
        foreach (var part in (schema.OneOf ?? []).Concat(schema.AnyOf ?? []).Concat(schema.AllOf ?? [])) Tighten(part);
    }

    private static bool IsNullable(IOpenApiSchema property) =>
        property.Type is { } type && type.HasFlag(JsonSchemaType.Null)
        || property.OneOf?.Any(o => o.Type == JsonSchemaType.Null) == true
        || property.AnyOf?.Any(o => o.Type == JsonSchemaType.Null) == true;
}
