using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Funnel.App.Tests.Contract;

/// <summary>One response as the app sent it, with what it answered.</summary>
/// <param name="App">The app instance (its table prefix), so a test can pick out its own exchanges.</param>
/// <param name="Routed">Routing chose an endpoint: a route's, or its own 415 (body media type) or 405 (method).</param>
/// <param name="Route">The route pattern of the endpoint that answered, when it was a route's.</param>
/// <param name="Excluded">The endpoint is left out of the API document on purpose (pages, triggers, the document itself).</param>
public sealed record Exchange(
    string App, string Method, string Path, string Query, bool Routed, string? Route, bool Excluded, int Status, string? ContentType, string Body, bool Truncated,
    IReadOnlyDictionary<string, string> Headers)
{
    public override string ToString() => $"{Method} {Path}{Query} → {Status} {ContentType ?? "(no content type)"}";
}

/// <summary>
/// Records every response every <see cref="Infrastructure.FunnelAppFactory"/> app sends, whoever the client is
/// (test clients, the local trigger runner, a browser on Kestrel): a middleware put in front of the app's own
/// pipeline. Process-wide, so the contract fixture can check all of a run's responses against the API document.
/// </summary>
public static class ContractRecorder
{
    public const int MaxBodyBytes = 256 * 1024;
    public const string DocumentPath = "/openapi/v1.json";

    private static readonly ConcurrentQueue<Exchange> Recorded = new();

    public static IReadOnlyList<Exchange> All => [.. Recorded];

    public static IReadOnlyList<Exchange> Of(string app) => [.. Recorded.Where(e => e.App == app)];

    public static void AddContractRecording(this IServiceCollection services) => services.AddTransient<IStartupFilter, RecordingStartupFilter>();

    private sealed class RecordingStartupFilter(IConfiguration configuration) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var name = configuration["Storage:TablePrefix"] ?? "?";
            app.Use(async (context, nextMiddleware) => await RecordAsync(name, context, nextMiddleware));
            next(app);
        };
    }

    private static async Task RecordAsync(string app, HttpContext context, RequestDelegate next)
    {
        var original = context.Response.Body;
        using var copy = new TeeStream(original, MaxBodyBytes);
        context.Response.Body = copy;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }
        // The exception handler clears the endpoint before it answers, and keeps it in its feature.
        var endpoint = context.GetEndpoint() ?? context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Endpoint;
        var excluded = endpoint?.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription == true;
        // Bodies that are never checked (pages, scripts) are not kept; the document itself is, for the run's check.
        var kept = (endpoint is not null && !excluded) || context.Request.Path == DocumentPath;
        var response = context.Response;
        Recorded.Enqueue(new Exchange(app, context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "",
            endpoint is not null, (endpoint as RouteEndpoint)?.RoutePattern.RawText,
            excluded, response.StatusCode, response.ContentType, kept ? copy.Text : "", kept && copy.Truncated,
            response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
    }

    /// <summary>Passes the response through and keeps its first bytes.</summary>
    private sealed class TeeStream(Stream inner, int limit) : Stream
    {
        private readonly MemoryStream _copy = new();

        public bool Truncated { get; private set; }

        public string Text => System.Text.Encoding.UTF8.GetString(_copy.GetBuffer(), 0, (int)_copy.Length);

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Keep(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Keep(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            var room = limit - (int)_copy.Length;
            if (bytes.Length > room) Truncated = true;
            _copy.Write(bytes[..Math.Min(room, bytes.Length)]);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _copy.Dispose();
            base.Dispose(disposing);
        }
    }
}
