namespace Funnel.App.Audience;

/// <summary>Tags, segments, broadcasts, consent and the data rights: their services and routes.</summary>
internal static class AudienceServices
{
    public static IServiceCollection AddAudience(this IServiceCollection services)
    {
        services.AddOptions<BroadcastOptions>().BindConfiguration(BroadcastOptions.Section);
        services.AddSingleton(sp => new Core.Audience.BroadcastLinks(sp.GetRequiredService<Core.Codes.SigningKeys>()));
        services.AddSingleton<PeopleStore>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<TagStore>();
        services.AddSingleton<SegmentStore>();
        services.AddSingleton<SegmentEvaluator>();
        services.AddSingleton<BroadcastStore>();
        services.AddSingleton<BroadcastSender>();
        services.AddSingleton<TargetBroadcast>();
        services.AddSingleton<SendBroadcastBatch>();
        services.AddSingleton<FinishBroadcast>();
        services.AddSingleton<MessageConsent>();
        services.AddSingleton<BroadcastConversions>();
        services.AddSingleton<LeadExport>();
        services.AddSingleton<LeadErasure>();
        services.AddSingleton<ErasureSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<ErasureSweeper>());
        return services;
    }

    public static IEndpointRouteBuilder MapAudience(this IEndpointRouteBuilder app) =>
        app.MapAudienceApi().MapSegmentsApi().MapBroadcastsApi().MapDataRightsApi();
}
