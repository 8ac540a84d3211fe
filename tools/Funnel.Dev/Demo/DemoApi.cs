using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Funnel.App.Auth;
using Funnel.Dev.Tokens;

namespace Funnel.Dev.Demo;

/// <summary>Dev tokens minted in process with the app's signing key, one per role, store and clerk, reused for the run.</summary>
internal sealed class DemoTokens(AuthOptions auth, TimeProvider clock)
{
    // Token lifetimes are checked against the real clock, whatever the app's time scale: a day is plenty.
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);
    private readonly ConcurrentDictionary<(string Role, string? Store, string? Clerk), string> _tokens = new();

    public string Hq => For(Roles.Hq);

    public string Clerk(string storeId, string clerkId) => For(Roles.Clerk, storeId, clerkId);

    public string Pos(string storeId) => For(Roles.Pos, storeId);

    private string For(string role, string? storeId = null, string? clerkId = null) =>
        _tokens.GetOrAdd((role, storeId, clerkId), k => DevTokens.Create(auth, k.Role, k.Store, k.Clerk, clock.GetUtcNow(), Lifetime));
}

/// <summary>
/// The answer to one API call after retries: status, JSON body (default when there was none), the attempts it took
/// (more than one: an earlier attempt may have been applied though its answer was lost) and the Location header.
/// </summary>
internal sealed record ApiResult(int Status, JsonElement Body, int Attempts, string? Location = null)
{
    public bool Ok => Status is >= 200 and < 300;

    public string? Text(string property) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    public bool Flag(string property) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.True;
}

/// <summary>Thread-safe lines to the progress writer (a StringWriter in tests is not thread-safe).</summary>
internal sealed class DemoLog(TextWriter writer)
{
    private readonly Lock _lock = new();

    public void Line(string text)
    {
        lock (_lock) writer.WriteLine(text);
    }
}

/// <summary>
/// Every request the demo sends: at most N in flight, retried on 429/502/503/504 and connection failures with
/// back-off (honouring Retry-After), and every final non-2xx counted as an error, the first few printed with the
/// problem's detail.
/// </summary>
internal sealed class DemoApi(HttpClient http, int concurrency, DemoLog log, TimeProvider clock) : IDisposable
{
    public const int MaxAttempts = 5;
    private const int ErrorsPrinted = 5;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _slots = new(concurrency, concurrency);
    private long _requests, _errors, _retries;

    public long Requests => Interlocked.Read(ref _requests);
    public long Errors => Interlocked.Read(ref _errors);
    public long Retries => Interlocked.Read(ref _retries);

    public Task<ApiResult> GetAsync(string path, string? token, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, path, token, null, ct);

    public Task<ApiResult> PostJsonAsync(string path, string? token, object body, CancellationToken ct, int alsoFine = 0) =>
        SendAsync(HttpMethod.Post, path, token, () => JsonContent.Create(body, options: Json), ct, alsoFine);

    /// <summary>The body is made once the request has its turn: for a body that depends on the time it is sent.</summary>
    public Task<ApiResult> PostJsonAsync(string path, string? token, Func<object> body, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, path, token, () => JsonContent.Create(body(), options: Json), ct);

    public Task<ApiResult> PutJsonAsync(string path, string? token, object body, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, path, token, () => JsonContent.Create(body, options: Json), ct);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <param name="content">Makes the body afresh for every attempt (a sent HttpContent cannot be sent again), once the request has a slot.</param>
    /// <param name="alsoFine">A non-2xx status the caller expects and handles (e.g. 409 for an existing campaign): not an error.</param>
    /// <param name="session">A shopper session (X-Shopper-Session), for what the shopper's page sends.</param>
    public async Task<ApiResult> SendAsync(HttpMethod method, string path, string? token, Func<HttpContent>? content, CancellationToken ct, int alsoFine = 0, string? session = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? wait;
            await _slots.WaitAsync(ct);
            try
            {
                Interlocked.Increment(ref _requests);
                using var request = new HttpRequestMessage(method, path) { Content = content?.Invoke() };
                if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                if (session is not null) request.Headers.Add("X-Shopper-Session", session);
                using var response = await http.SendAsync(request, ct);
                var status = (int)response.StatusCode;
                wait = Retryable(response.StatusCode) && attempt < MaxAttempts ? Backoff(attempt, response.Headers.RetryAfter?.Delta) : null;
                if (wait is null)
                {
                    var body = await ReadJsonAsync(response, ct);
                    var result = new ApiResult(status, body, attempt, response.Headers.Location?.OriginalString);
                    if (!result.Ok && status != alsoFine) Failed($"{method} {path} → {status}", result.Text("detail") ?? result.Text("title"));
                    return result;
                }
            }
            catch (HttpRequestException) when (attempt < MaxAttempts)
            {
                wait = Backoff(attempt, null); // the app restarting, a refused connection: worth another try
            }
            catch (HttpRequestException e)
            {
                Failed($"{method} {path} → no answer", e.Message);
                return new ApiResult(0, default, attempt);
            }
            catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
            {
                // HttpClient's own timeout: the request may or may not have been applied; ids make the retry safe.
                if (attempt >= MaxAttempts)
                {
                    Failed($"{method} {path} → timed out", e.Message);
                    return new ApiResult(0, default, attempt);
                }
                wait = Backoff(attempt, null);
            }
            finally
            {
                _slots.Release();
            }
            Interlocked.Increment(ref _retries);
            await Task.Delay(wait.Value, clock, ct);
        }
    }

    private static bool Retryable(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout;

    private static TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var exponential = TimeSpan.FromMilliseconds(250 * Math.Pow(2, attempt - 1));
        var wait = retryAfter is { } r && r > exponential ? r : exponential;
        return wait < MaxBackoff ? wait : MaxBackoff;
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (text.Length == 0 || response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) != true) return default;
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }

    /// <summary>Counts (and prints, among the first few) an error found in an answer that was itself a success.</summary>
    public void Error(string what, string? detail) => Failed(what, detail);

    private void Failed(string what, string? detail)
    {
        var n = Interlocked.Increment(ref _errors);
        if (n <= ErrorsPrinted) log.Line($"  error {n}: {what}: {detail ?? "(no detail)"}");
        if (n == ErrorsPrinted) log.Line("  (further errors are counted, not printed)");
    }

    public void Dispose() => _slots.Dispose();
}
