using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Funnel.App.Tests.Infrastructure;
using Funnel.App.Tests.Purchases;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Funnel.App.Tests.Hosting;

/// <summary>Logs never carry personal data: lead ids are redacted by the framework (an HMAC), paths become route patterns.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class LogRedactionTests(AzuriteFixture azurite)
{
    private const string Phone = "+8613800000042";
    private static readonly Dictionary<string, string?> Verbose = new() { ["Logging:LogLevel:Funnel"] = "Debug", ["Logging:LogLevel:Default"] = "Information" };

    [Fact]
    public async Task An_outbound_message_is_logged_without_its_lead_id()
    {
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: Verbose);
        var logs = new CapturingLogs();
        await using var logged = app.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Debug)));
        var hq = logged.CreateClient();
        hq.DefaultRequestHeaders.Authorization = new("Bearer", FunnelAppFactory.Token(Funnel.App.Auth.Roles.Hq));
        await hq.CreateStore("s1");
        var scan = await (await logged.CreateClient().Scan(await hq.CreateCode("s1"), Phone)).Json(HttpStatusCode.OK);
        var leadId = scan.GetProperty("leadId").GetString()!;
        var message = JsonSerializer.Serialize(new { messageId = $"s1:{leadId}:1:0", storeId = "s1", leadId, clerkId = (string?)null, template = "welcome", at = DateTimeOffset.UnixEpoch });

        var trigger = logged.CreateClient();
        trigger.DefaultRequestHeaders.Add(Funnel.App.Triggers.TriggerKey.Header, logged.Services.GetRequiredService<Funnel.App.Triggers.TriggerKey>().Value);
        await (await trigger.PostAsJsonAsync("/OutboundMessages", PurchaseFixtures.QueueEnvelope(message))).Json(HttpStatusCode.OK);

        var line = Assert.Single(logs.Lines, l => l.Contains("Outbound message welcome", StringComparison.Ordinal));
        Assert.Contains("lead ", line, StringComparison.Ordinal);
        Assert.All(logs.Lines, l =>
        {
            Assert.DoesNotContain(leadId, l, StringComparison.Ordinal);
            Assert.DoesNotContain("13800000042", l, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_failed_request_is_logged_with_its_route_not_its_path()
    {
        await using var app = new FunnelAppFactory(FunnelAppFactory.UnreachableStorage, settings: Verbose);
        var logs = new CapturingLogs();
        await using var logged = app.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(logs)));
        var hq = logged.CreateClient();
        hq.DefaultRequestHeaders.Authorization = new("Bearer", FunnelAppFactory.Token(Funnel.App.Auth.Roles.Hq));
        var leadId = new string('e', 32);

        var response = await hq.GetAsync($"/api/leads/{leadId}");
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, string.Join("\n", logs.Lines));

        Assert.Contains(logs.Lines, l => l.Contains("/api/leads/{leadId}", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains(leadId, StringComparison.Ordinal));
    }
}
