using Funnel.Testing;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.WeCom;
using Funnel.Core.WeCom;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Funnel.App.Tests.WeCom;

/// <summary>The WeCom API client against the local stand-in: one token for many calls, a new one when WeCom refuses it, retries where WeCom says to.</summary>
public sealed class WeComClientTests : IAsyncLifetime, IDisposable
{
    private WeComStandIn _weCom = null!;
    private ServiceProvider _services = null!;
    private readonly CapturingLogs _logs = new();

    public async Task InitializeAsync()
    {
        _weCom = await WeComStandIn.StartAsync();
        _services = Services(WeComStandIn.Secret);
    }

    private ServiceProvider Services(string secret)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WeCom:CorpId"] = WeComStandIn.CorpId,
            ["WeCom:Secret"] = secret,
            ["WeCom:BaseUrl"] = _weCom.BaseUrl,
            ["WeCom:ApiRetryDelayMilliseconds"] = "10",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(l => l.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<WeComOptions>().Bind(configuration.GetSection(WeComOptions.Section));
        services.AddWeComClient();
        return services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _weCom.DisposeAsync();
    }

    public void Dispose() => _logs.Dispose();

    private WeComClient Client() => _services.GetRequiredService<WeComClient>();

    [Fact]
    public async Task OneTokenServesManyCalls_AndAnExpiredOneIsReplacedOnce()
    {
        for (var i = 0; i < 3; i++) await Client().AddContactWayAsync("clerk-1", $"state-{i}", "s1 c1", CancellationToken.None);
        Assert.Equal(1, _weCom.TokensIssued);

        _weCom.ExpireTokens();
        var way = await Client().AddContactWayAsync("clerk-1", "state-after", "s1 c1", CancellationToken.None);

        Assert.Equal(2, _weCom.TokensIssued);
        Assert.Equal(("config-4", "https://wework.qpic.cn/stand-in/4.png"), (way.ConfigId, way.QrCode));
        var sent = _weCom.ContactWayRequests.Last();
        Assert.Equal(("state-after", 1, 2, "clerk-1"), (sent.GetProperty("state").GetString(), sent.GetProperty("type").GetInt32(),
            sent.GetProperty("scene").GetInt32(), sent.GetProperty("user")[0].GetString()));

        // Callers refused together fetch one new token between them.
        _weCom.ExpireTokens();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Client().AddContactWayAsync("clerk-1", $"together-{i}", "s1 c1", CancellationToken.None)));
        Assert.Equal(3, _weCom.TokensIssued);
    }

    [Fact]
    public async Task BusyAndRateLimited_AreRetried_APermanentErrorIsNot()
    {
        _weCom.Answer(-1, 45009, 45033);
        Assert.Equal("config-1", (await Client().AddContactWayAsync("clerk-1", "s", "r", CancellationToken.None)).ConfigId);

        _weCom.Answer(60111);
        var refused = await Assert.ThrowsAsync<WeComException>(() => Client().AddContactWayAsync("nobody", "s", "r", CancellationToken.None));
        Assert.Equal((60111, WeComOutcome.Permanent), (refused.ErrCode, refused.Outcome));
        Assert.Single(_weCom.ContactWayRequests);

        // Four answers of "rate limited" in a row: the three retries are spent and the caller learns why.
        _weCom.Answer(45009, 45009, 45009, 45009);
        var limited = await Assert.ThrowsAsync<WeComException>(() => Client().AddContactWayAsync("clerk-1", "s", "r", CancellationToken.None));
        Assert.Equal(WeComOutcome.RateLimited, limited.Outcome);
    }

    [Fact]
    public async Task AWrongSecret_IsPermanent_AndNeitherSecretNorTokenIsLogged()
    {
        await using var wrong = Services("not-the-secret");
        var refused = await Assert.ThrowsAsync<WeComException>(() => wrong.GetRequiredService<WeComClient>().AddContactWayAsync("clerk-1", "s", "r", CancellationToken.None));
        Assert.Equal((40001, WeComOutcome.Permanent), (refused.ErrCode, refused.Outcome));

        await Client().AddContactWayAsync("clerk-1", "s", "r", CancellationToken.None);
        Assert.NotEmpty(_logs.Lines);
        Assert.DoesNotContain(_logs.Lines, l => l.Contains(WeComStandIn.Secret, StringComparison.Ordinal) || l.Contains("not-the-secret", StringComparison.Ordinal) || l.Contains("token-1", StringComparison.Ordinal));
    }

    [Fact]
    public void UnreachableMeansTheHttpLevelGaveUp_NotAnErrcode()
    {
        Assert.True(WeComClient.IsUnreachable(new HttpRequestException("connection refused")));
        Assert.True(WeComClient.IsUnreachable(new Polly.Timeout.TimeoutRejectedException()));
        Assert.False(WeComClient.IsUnreachable(new WeComException("x", 45009, "limit", WeComOutcome.RateLimited)));
    }

    [Theory]
    [InlineData(0, WeComOutcome.Ok)]
    [InlineData(42001, WeComOutcome.RefreshToken)]
    [InlineData(40014, WeComOutcome.RefreshToken)]
    [InlineData(41001, WeComOutcome.RefreshToken)]
    [InlineData(-1, WeComOutcome.Retry)]
    [InlineData(45009, WeComOutcome.RateLimited)]
    [InlineData(45033, WeComOutcome.RateLimited)]
    [InlineData(40001, WeComOutcome.Permanent)]
    public void Errcodes_MapToWhatToDo(int errcode, WeComOutcome outcome) => Assert.Equal(outcome, WeComErrors.Classify(errcode));
}
