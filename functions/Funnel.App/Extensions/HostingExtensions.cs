using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Funnel.App.Apis;
using Funnel.App.Auth;
using Funnel.App.Campaigns;
using Funnel.App.Journeys;
using Funnel.App.Kocs;
using Funnel.App.Lanes;
using Funnel.App.Pages;
using Funnel.App.Points;
using Funnel.App.Purchases;
using Funnel.App.Triggers;
using Funnel.App.WeCom;
using Funnel.App.Scans;
using Funnel.App.Storage;
using Funnel.Core.Codes;
using Funnel.Core.Leads;
using Microsoft.Extensions.Options;

namespace Funnel.App.Extensions;

internal static class HostingExtensions
{
    public const string PublicRateLimit = "public";
    public const string DefaultLocalUrl = "http://127.0.0.1:7071";

    public static WebApplicationBuilder AddFunnel(this WebApplicationBuilder builder)
    {
        LocalSettings.AddTo(builder.Configuration, builder.Environment.ContentRootPath);
        ConfigureUrls(builder);
        builder.AddFunnelObservability();
        builder.AddPersonalDataRedaction();

        var services = builder.Services;
        services.AddOptions<JourneyOptions>().BindConfiguration(JourneyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Journeys:TimeScale > 1 runs the whole app on a faster clock (demos and tests), the same mapping of real time
        // the journeys' orchestrations use (see JourneyOptions).
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<JourneyOptions>>().Value.Clock(TimeProvider.System));
        services.AddSingleton<TimeProvider>(sp => sp.GetRequiredService<Core.Journeys.JourneyClock>() is var clock && clock.Scale > 1
            ? new JourneyTimeProvider(clock, TimeProvider.System)
            : TimeProvider.System);
        var hostBuiltUrlsAllowed = builder.Environment.IsDevelopment() || builder.Environment.IsEnvironment("Testing");
        services.AddOptions<FunnelOptions>().BindConfiguration(FunnelOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.HasValidPublicBaseUrl(hostBuiltUrlsAllowed), FunnelOptions.PublicBaseUrlRequired)
            .ValidateOnStart();
        services.AddOptions<RateLimitingOptions>().BindConfiguration(RateLimitingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<FunnelOptions>>().Value.CodeKeys());
        services.AddSingleton(sp => new CodeSigner(sp.GetRequiredService<SigningKeys>()));
        services.AddSingleton(sp => new Core.Campaigns.ShareLinks(sp.GetRequiredService<SigningKeys>()));
        services.AddSingleton(sp => new ShopperSessions(sp.GetRequiredService<SigningKeys>()));
        services.AddSingleton(sp => new LeadIdHasher(FunnelOptions.KeyBytes(sp.GetRequiredService<IOptions<FunnelOptions>>().Value.LeadHashKey)));
        services.AddOptions<WeComOptions>().BindConfiguration(WeComOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<WeComOptions>, WeComOptionsValidator>();
        services.AddWeComClient();
        services.AddSingleton<Points.PointsProgramme>();
        services.AddSingleton<Points.PointsLedger>();
        services.AddSingleton<Points.PointsAwards>();
        services.AddSingleton<Points.PointsExpirySchedule>();
        services.AddSingleton<Points.ExpirePoints>();
        services.AddSingleton<Kocs.KocLedger>();
        services.AddSingleton<Kocs.KocCredits>();
        services.AddSingleton<Kocs.KocAssessor>();
        services.AddSingleton<Kocs.KocSchedule>();
        services.AddSingleton<Kocs.AssessKocMonth>();
        Audience.AudienceServices.AddAudience(services);
        services.AddOptions<CampaignOptions>().BindConfiguration(CampaignOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<StorageRequestCounter>();
        services.AddSingleton<StorageConnection>();
        services.AddSingleton<FunnelTables>();
        services.AddSingleton<FunnelQueues>();
        services.AddSingleton<FunnelBlobs>();
        services.AddSingleton<StorageInitializer>();
        services.AddHostedService(sp => sp.GetRequiredService<StorageInitializer>());
        services.AddSingleton<StoreRepository>();
        services.AddSingleton<LeadRepository>();
        services.AddSingleton<JourneyRepository>();
        services.AddSingleton<JourneyService>();
        services.AddSingleton<CommitJourneyStep>();
        services.AddSingleton<JourneyEngine>();
        services.AddHostedService(sp => sp.GetRequiredService<JourneyEngine>());
        services.AddSingleton<CampaignService>();
        services.AddSingleton<StoreLanes>();
        services.AddSingleton<ScanService>();
        services.AddSingleton<PurchaseService>();
        services.AddOptions<PurchaseBusOptions>().BindConfiguration(PurchaseBusOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<PurchaseBusConsumer>();
        services.AddOptions<TriggerOptions>().BindConfiguration(TriggerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TriggerKey>();
        services.AddSingleton<ITriggerTransport, LoopbackTriggerTransport>();
        services.AddHostedService<LocalTriggerRunner>();

        services.AddHybridCache();
        services.AddSingleton<StaffDirectory>();
        services.AddFunnelAuth();
        services.AddFunnelProblems();
        services.AddClientAddresses();
        services.AddRateLimiter(ConfigureRateLimiting);
        services.AddOpenApi(OpenApiContract.Configure);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull);
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return builder;
    }

    public static WebApplication UseFunnel(this WebApplication app)
    {
        app.UseMiddleware<JsonResponseHeaders>();
        app.UseMiddleware<PathGuardMiddleware>();
        app.UseClientAddresses();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseFunnelPages();
        app.UseRouting();
        app.UseMiddleware<RequestSizeLimitMiddleware>();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseStoreScope();

        app.MapOpenApi();
        app.MapHealthApi();
        app.MapStoresApi();
        app.MapMessagesApi();
        app.MapWeComGroupsApi();
        app.MapPointsApi();
        app.MapKocsApi();
        Audience.AudienceServices.MapAudience(app);
        app.MapStaffApi();
        app.MapCodesApi();
        app.MapScansApi();
        app.MapLeadsApi();
        app.MapJourneysApi();
        app.MapCampaignsApi(app.Services.GetRequiredService<IOptions<CampaignOptions>>().Value.MaxAssetBytes);
        app.MapDiagnosticsApi();
        app.MapPurchasesApi();
        app.MapLeaderboardApi();
        app.MapTriggersApi();
        app.MapWeComCallback();
        app.MapFunnelPages();
        return app;
    }

    /// <summary>
    /// Under the Functions host, listen where it says (FUNCTIONS_CUSTOMHANDLER_PORT, loopback only).
    /// Standalone, the usual ASP.NET Core settings apply (--urls, ASPNETCORE_URLS), defaulting to the host's usual port.
    /// </summary>
    private static void ConfigureUrls(WebApplicationBuilder builder)
    {
        if (FunctionsHost.Port is { } port)
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }
        else if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultLocalUrl);
        }
    }

    private static void ConfigureRateLimiting(RateLimiterOptions options)
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.AddPolicy(PublicRateLimit, context =>
        {
            var settings = context.RequestServices.GetRequiredService<IOptions<RateLimitingOptions>>().Value;
            return RateLimitPartition.GetFixedWindowLimiter(ClientAddresses.Of(context), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = settings.PublicPermitsPerWindow,
                Window = TimeSpan.FromSeconds(settings.PublicWindowSeconds),
                QueueLimit = 0,
            });
        });
        options.OnRejected = async (context, cancellationToken) =>
        {
            var settings = context.HttpContext.RequestServices.GetRequiredService<IOptions<RateLimitingOptions>>().Value;
            if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
            {
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            await Problems.Create(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests",
                    $"This address sent more than {settings.PublicPermitsPerWindow} requests in {settings.PublicWindowSeconds} s; wait a moment and scan again.")
                .ExecuteAsync(context.HttpContext);
        };
    }
}
