using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Funnel.App.Extensions;

/// <summary>
/// OpenTelemetry: Funnel's own meters (scans, purchases, storage requests), ASP.NET Core's, and traces of requests
/// and Azure SDK calls. Exported to Azure Monitor when APPLICATIONINSIGHTS_CONNECTION_STRING is set (as the Function
/// App's settings do); without it they are collected in-process only (any MeterListener or exporter can attach).
/// </summary>
internal static class ObservabilityExtensions
{
    public const string ServiceName = "funnel";
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Every meter the app defines; a new one must be listed here to be exported.</summary>
    public static readonly string[] Meters = [Storage.StorageRequestCounter.MeterName, Scans.ScanService.MeterName, Purchases.PurchaseService.MeterName];

    public static WebApplicationBuilder AddFunnelObservability(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration[ConnectionStringSetting];
        var export = !string.IsNullOrWhiteSpace(connectionString);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName))
            .WithMetrics(m =>
            {
                m.AddMeter(Meters).AddAspNetCoreInstrumentation();
                if (export) m.AddAzureMonitorMetricExporter(o => o.ConnectionString = connectionString);
            })
            .WithTracing(t =>
            {
                // The Azure SDK's own ActivitySources ("Azure.*") trace every storage call.
                t.AddSource("Azure.*").AddAspNetCoreInstrumentation();
                if (export) t.AddAzureMonitorTraceExporter(o => o.ConnectionString = connectionString);
            });
        if (export)
        {
            builder.Logging.AddOpenTelemetry(l => l.AddAzureMonitorLogExporter(o => o.ConnectionString = connectionString));
        }
        return builder;
    }
}
