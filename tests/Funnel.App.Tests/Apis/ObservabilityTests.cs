using System.Diagnostics.Metrics;
using System.Net;
using Funnel.App.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Funnel.App.Tests.Apis;

[Collection(AzuriteCollection.Name)]
public sealed class ObservabilityTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Scans_AreCountedOnTheFunnelMetersAndOpenTelemetryIsWired()
    {
        // No journey worker: its polling and the journeys' steps would land on the same meter meanwhile.
        await using var app = new FunnelAppFactory(azurite.Server.ConnectionString, settings: new Dictionary<string, string?> { ["Journeys:Worker"] = "false" });
        var hq = app.Hq();
        await hq.CreateStore("s1");
        var code = await hq.CreateCode("s1");
        await (await app.Anonymous().Scan(code, "warm-up")).Json(HttpStatusCode.OK); // the store lane's cache, the engine's task hub
        long scans = 0, storageRequests = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name.StartsWith("Funnel.", StringComparison.Ordinal)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "funnel.scans") Interlocked.Add(ref scans, value);
            if (instrument.Name == "funnel.storage.requests") Interlocked.Add(ref storageRequests, value);
        });
        listener.Start();

        await (await app.Anonymous().Scan(code, "p1")).Json(HttpStatusCode.OK);
        await (await app.Anonymous().Scan(code, "p1")).Json(HttpStatusCode.OK);

        Assert.Equal(2, Interlocked.Read(ref scans));
        // Scans with their journey's start and event through the engine's client: a handful each, not dozens.
        Assert.InRange(Interlocked.Read(ref storageRequests), 3, 16);
        Assert.NotNull(app.Services.GetService<MeterProvider>());
        Assert.NotNull(app.Services.GetService<TracerProvider>());
    }
}
