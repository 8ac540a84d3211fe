using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Funnel.Dev.Demo;

namespace Funnel.App.Tests.Dev;

/// <summary>
/// How the demo follows a journey event from its 202 to its outcome, against a fake app: what counts (applied, or a
/// duplicate of our own retry), that waiting between polls holds no request slot, and that an event still pending
/// after the bound is set aside and resolved before the summary.
/// </summary>
public sealed class JourneyOutcomeTests
{
    private const string Lead = "0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("applied", 1, true)]
    [InlineData("applied", 2, true)]
    [InlineData("duplicate", 2, true)] // our retry of an attempt whose answer was lost: the first was applied
    [InlineData("duplicate", 1, false)]
    [InlineData("ignored", 1, false)]
    [InlineData("failed", 1, false)]
    [InlineData("pending", 1, false)]
    public void Counts_AppliedOrADuplicateOfOurOwnRetry(string outcome, int attempts, bool counts) =>
        Assert.Equal(counts, JourneyOutcomes.Counts(outcome, attempts));

    [Fact]
    public async Task Follow_PollsUntilApplied_AndCountsTheEventOnItsStore()
    {
        var app = new FakeApp("pending", "pending", "applied");
        using var api = app.Api(concurrency: 1);
        var stats = new DemoStats();
        var outcomes = new JourneyOutcomes(api, stats, TimeProvider.System);

        var sent = outcomes.Accepted(await Post(api, "e1"), "s1", "trial-booked");
        Assert.NotNull(sent);
        Assert.Equal($"/api/leads/{Lead}/stores/s1/journey/events/e1", sent.OutcomeUrl); // the Location header
        await outcomes.FollowAsync(sent, CancellationToken.None);

        Assert.Equal(3, app.Polls);
        // Polled after 200, 400 and 800 ms: the wait is measured from the 202 to the answer.
        Assert.InRange(stats.Snapshot().Events.MeanWaitSeconds, 1.3, 10);
        Assert.Equal(1, stats.ByStore()["s1"].TrialsBooked);
        Assert.Equal((1L, 0L, 0L, 0L, 0L, 0L), Kinds(stats));
        Assert.Equal(0, api.Errors);
    }

    [Fact]
    public async Task Follow_OurRetryOfAnAttemptWhoseAnswerWasLost_CountsItsDuplicate_ButNotAnotherDuplicate()
    {
        var app = new FakeApp("duplicate") { LoseFirstAnswer = true };
        using var api = app.Api(concurrency: 2);
        var stats = new DemoStats();
        var outcomes = new JourneyOutcomes(api, stats, TimeProvider.System);

        var retried = await Post(api, "e1");
        Assert.Equal(2, retried.Attempts);
        await outcomes.FollowAsync(outcomes.Accepted(retried, "s1", "question-asked")!, CancellationToken.None);
        await outcomes.FollowAsync(outcomes.Accepted(await Post(api, "e2"), "s1", "question-asked")!, CancellationToken.None);

        Assert.Equal(1, stats.ByStore()["s1"].Questions);
        Assert.Equal((0L, 1L, 1L, 0L, 0L, 0L), Kinds(stats));
    }

    [Fact]
    public async Task Follow_WaitingBetweenPollsHoldsNoRequestSlot()
    {
        var app = new FakeApp("pending");
        using var api = app.Api(concurrency: 1);
        var outcomes = new JourneyOutcomes(api, new DemoStats(), TimeProvider.System);
        var sent = outcomes.Accepted(await Post(api, "e1"), "s1", "complaint")!;

        var following = outcomes.FollowAsync(sent, CancellationToken.None);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        // With one slot, another request gets through while the event is still pending.
        var other = await api.GetAsync("/healthz", null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(3));
        Assert.True(other.Ok);
        Assert.False(following.IsCompleted);

        app.Outcome = "applied";
        await following.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Follow_AnEventStillPendingAfterTheBound_IsSetAside_AndCountedWhenResolved()
    {
        var app = new FakeApp("pending");
        using var api = app.Api(concurrency: 2);
        var stats = new DemoStats();
        var outcomes = new JourneyOutcomes(api, stats, TimeProvider.System, maxWait: TimeSpan.FromMilliseconds(300));

        await outcomes.FollowAsync(outcomes.Accepted(await Post(api, "e1"), "s1", "trial-completed")!, CancellationToken.None);
        Assert.Equal(1, stats.Snapshot().Events.Pending);
        Assert.Empty(stats.ByStore());

        app.Outcome = "applied";
        Assert.Equal(0, await outcomes.ResolveLateAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal((1L, 0L, 0L, 0L, 0L, 0L), Kinds(stats));
        Assert.Equal(1, stats.ByStore()["s1"].TrialsCompleted);

        // One that never resolves is an error, and not counted.
        app.Outcome = "pending";
        await outcomes.FollowAsync(outcomes.Accepted(await Post(api, "e2"), "s1", "trial-completed")!, CancellationToken.None);
        Assert.Equal(1, await outcomes.ResolveLateAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None));
        Assert.Equal(1, api.Errors);
        Assert.Equal(1, stats.ByStore()["s1"].TrialsCompleted);
    }

    /// <summary>Applied, our retries' duplicates, other duplicates, ignored, failed, pending.</summary>
    private static (long, long, long, long, long, long) Kinds(DemoStats stats)
    {
        var e = stats.Snapshot().Events;
        return (e.Applied, e.RetryDuplicates, e.OtherDuplicates, e.Ignored, e.Failed, e.Pending);
    }

    [Fact]
    public async Task Follow_AnEventStillPendingAfterTheBound_IsSentAgain_AndCountedOnceWhicheverRaiseTheJourneyTook()
    {
        // The first raise was lost (pending for good); the second, with the same id, is applied.
        var app = new FakeApp("pending") { After = (2, "applied") };
        using var api = app.Api(concurrency: 2);
        var stats = new DemoStats();
        var outcomes = new JourneyOutcomes(api, stats, TimeProvider.System, maxWait: TimeSpan.FromMilliseconds(300));

        var sent = outcomes.Accepted(await Post(api, "e1"), "s1", "question-asked", again => Post(api, "e1", again))!;
        await outcomes.FollowAsync(sent, CancellationToken.None);
        Assert.Equal(2, app.Posts);
        Assert.Equal(0, await outcomes.ResolveLateAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(1, stats.ByStore()["s1"].Questions);
        Assert.Equal(1, stats.Snapshot().Events.Resent);

        // Only slow: the first raise is applied, the second answers duplicate, which counts as our retry — once.
        app.After = (4, "duplicate");
        var slow = outcomes.Accepted(await Post(api, "e2"), "s1", "question-asked", again => Post(api, "e2", again))!;
        await outcomes.FollowAsync(slow, CancellationToken.None);
        Assert.Equal(0, await outcomes.ResolveLateAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(2, stats.ByStore()["s1"].Questions);
        Assert.Equal((1L, 1L, 0L, 0L, 0L, 0L), Kinds(stats));
    }

    private static Task<ApiResult> Post(DemoApi api, string eventId, CancellationToken ct = default) =>
        api.PostJsonAsync($"/api/leads/{Lead}/events?storeId=s1", null, new { type = "trial-booked", eventId }, ct);

    /// <summary>
    /// Answers an event POST with 202 and its Location (optionally losing the first answer: the request "arrived",
    /// the client sees a failed connection), an outcome GET with the next scripted outcome (then <see cref="Outcome"/>),
    /// anything else with 200 {}.
    /// </summary>
    private sealed class FakeApp(params string[] script) : HttpMessageHandler
    {
        private readonly Queue<string> _script = new(script);
        private int _posts, _polls;
        private string _outcome = script[^1];

        public bool LoseFirstAnswer { get; init; }

        /// <summary>From this many event POSTs on, an outcome still pending reads as the one given.</summary>
        public (int Posts, string Outcome)? After { get; set; }

        public int Posts => Volatile.Read(ref _posts);

        /// <summary>The outcome answered once the script is used up.</summary>
        public string Outcome
        {
            get => Volatile.Read(ref _outcome);
            set => Volatile.Write(ref _outcome, value);
        }

        public int Polls => _polls;

        public DemoApi Api(int concurrency) =>
            new(new HttpClient(this) { BaseAddress = new Uri("http://demo.test") }, concurrency, new DemoLog(TextWriter.Null), TimeProvider.System);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            if (request.Method == HttpMethod.Post && path.EndsWith("/events", StringComparison.Ordinal))
            {
                if (Interlocked.Increment(ref _posts) == 1 && LoseFirstAnswer) throw new HttpRequestException("the answer was lost");
                using var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken));
                var eventId = body.RootElement.GetProperty("eventId").GetString()!;
                var response = Json(HttpStatusCode.Accepted, new { leadId = Lead, storeId = "s1", eventId, type = "trial-booked", status = "accepted" });
                response.Headers.Location = new Uri($"/api/leads/{Lead}/stores/s1/journey/events/{eventId}", UriKind.Relative);
                return response;
            }
            if (path.Contains("/journey/events/", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _polls);
                string outcome;
                lock (_script) outcome = _script.Count > 0 ? _script.Dequeue() : Outcome;
                if (outcome == "pending" && After is { } after && Posts >= after.Posts) outcome = after.Outcome;
                return Json(HttpStatusCode.OK, new { leadId = Lead, storeId = "s1", eventId = path[(path.LastIndexOf('/') + 1)..], outcome, stage = "new", version = 1 });
            }
            return Json(HttpStatusCode.OK, new { now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) });
        }

        private static HttpResponseMessage Json(HttpStatusCode status, object body) =>
            new(status) { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };
    }
}
