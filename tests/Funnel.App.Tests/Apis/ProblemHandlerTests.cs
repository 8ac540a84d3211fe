using System.Text.Json;
using Azure;
using Funnel.App.Extensions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Funnel.App.Tests.Apis;

/// <summary>
/// What escapes a handler, as the client sees it. Storage that did not answer is a 503 with a retry, never a 500: also
/// when the storage client gave up on its network timeout, which it reports as a cancellation nobody asked for (a full
/// test run saw five 500s so, on points reads while the shared Azurite was slow).
/// </summary>
public sealed class ProblemHandlerTests
{
    private static readonly TaskCanceledException NetworkTimeout =
        new("The operation was cancelled because it exceeded the configured timeout of 0:00:30. Network timeout can be adjusted in ClientOptions.Retry.NetworkTimeout.");

    public static TheoryData<string> Unanswered => ["timeout", "timeouts after retries", "refused", "refused after retries"];

    [Theory]
    [MemberData(nameof(Unanswered))]
    public async Task StorageThatDidNotAnswer_Is503(string what)
    {
        Exception error = what switch
        {
            "timeout" => NetworkTimeout,
            "timeouts after retries" => new AggregateException("Retry failed after 4 tries.", NetworkTimeout, NetworkTimeout, NetworkTimeout, NetworkTimeout),
            "refused" => new RequestFailedException(500, "Internal error"),
            _ => new AggregateException("Retry failed after 4 tries.", new RequestFailedException(503, "busy"), NetworkTimeout),
        };
        var (status, body) = await HandleAsync(error, aborted: false);
        Assert.Equal(503, status);
        Assert.StartsWith("Storage did not answer", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnythingElse_Is500WithoutItsInternals()
    {
        var (status, body) = await HandleAsync(new InvalidOperationException("secret internals"), aborted: false);
        Assert.Equal(500, status);
        Assert.DoesNotContain("secret", body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACancellationOfAnAbortedRequest_IsNotStorageUnavailable()
    {
        var (status, _) = await HandleAsync(new OperationCanceledException(), aborted: true);
        Assert.Equal(500, status);
    }

    private static async Task<(int Status, JsonElement Body)> HandleAsync(Exception error, bool aborted)
    {
        using var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        using var abort = new CancellationTokenSource();
        if (aborted) await abort.CancelAsync();
        var context = new DefaultHttpContext { RequestServices = services, RequestAborted = abort.Token };
        context.Request.Method = "GET";
        context.Response.Body = new MemoryStream();
        Assert.True(await new ProblemExceptionHandler(NullLogger<ProblemExceptionHandler>.Instance).TryHandleAsync(context, error, CancellationToken.None));
        context.Response.Body.Position = 0;
        // An aborted request gets no body: nobody is there to read it.
        return (context.Response.StatusCode, context.Response.Body.Length == 0 ? default : JsonDocument.Parse(context.Response.Body).RootElement.Clone());
    }
}
