using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Funnel.App.Extensions;

/// <summary>
/// OpenTelemetry: Funnel's own meters (scans, purchases, storage requests), ASP.NET Core's, and traces of requests
/// and Azure SDK calls. Exported to Azure Monitor when APPLICATIONINSIGHTS_CONNECTION_STRING is set (as the Function
/// App's settings do), with Entra ID when APPLICATIONINSIGHTS_AUTHENTICATION_STRING says so (infra/ turns local auth
/// off); without it they are collected in-process only (any MeterListener or exporter can attach).
/// </summary>
internal static class ObservabilityExtensions
{
    public const string ServiceName = "funnel";
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>"ClientId={id};Authorization=AAD" (as the Functions host reads it): export with that managed identity (Entra ID ingestion).</summary>
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>Every meter the app defines; a new one must be listed here to be exported.</summary>
    public static readonly string[] Meters =
        [Storage.StorageRequestCounter.MeterName, Scans.ScanService.MeterName, Purchases.PurchaseService.MeterName, Journeys.JourneyService.MeterName];

    /// <summary>The credential for Entra ID ingestion, from the authentication string; null: the connection string's key.</summary>
    public static Azure.Core.TokenCredential? IngestionCredential(string? authentication)
    {
        if (string.IsNullOrWhiteSpace(authentication)) return null;
        var parts = authentication.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var kind) || !kind.Equals("AAD", StringComparison.OrdinalIgnoreCase)) return null;
        return parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? new Azure.Identity.ManagedIdentityCredential(Azure.Identity.ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new Azure.Identity.ManagedIdentityCredential(Azure.Identity.ManagedIdentityId.SystemAssigned);
    }

    public static WebApplicationBuilder AddFunnelObservability(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration[ConnectionStringSetting];
        var export = !string.IsNullOrWhiteSpace(connectionString);
        var credential = IngestionCredential(builder.Configuration[AuthenticationStringSetting]);
        void Configure(AzureMonitorExporterOptions o)
        {
            o.ConnectionString = connectionString;
            if (credential is not null) o.Credential = credential;
        }
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName))
            .WithMetrics(m =>
            {
                m.AddMeter(Meters).AddAspNetCoreInstrumentation();
                if (export) m.AddAzureMonitorMetricExporter(Configure);
            })
            .WithTracing(t =>
            {
                // The Azure SDK's own ActivitySources ("Azure.*") trace every storage call.
                t.AddSource("Azure.*").AddAspNetCoreInstrumentation().AddProcessor(new PersonalDataTraceScrubber());
                if (export) t.AddAzureMonitorTraceExporter(Configure);
            });
        if (export)
        {
            builder.Logging.AddOpenTelemetry(l => l.AddAzureMonitorLogExporter(Configure));
        }
        return builder;
    }
}
