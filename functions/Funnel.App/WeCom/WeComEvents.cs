using Funnel.App.Scans;
using Funnel.App.Journeys;
using Funnel.App.Lanes;
using Funnel.App.Storage;
using Funnel.Core.Leads;
using Funnel.Core.WeCom;
using Microsoft.Extensions.Options;

namespace Funnel.App.WeCom;

/// <summary>
/// What Funnel does with a decrypted WeCom event. A customer added by a clerk through one of Funnel's "contact me"
/// ways is a scan of that way's code: the customer's external user id is the identity (hashed like a phone number),
/// the code's store and clerk are credited, the seat and the journey follow as for a web scan. WeCom's retries of the
/// event carry the same scan id (<see cref="WeComIds.ScanIdFor"/>), so they count once. A customer and clerk who are
/// no longer contacts end the lead's journey at the clerk's stores. A customer group's change sets its size and rolls
/// the store's join ways over (<see cref="WeComGroups"/>). Other events are logged by kind and acknowledged.
/// </summary>
internal sealed partial class WeComEvents(
    WeComWays ways, WeComGroups groups, ScanService scans, WeComClient client, WeComIdentities identities, LeadIdHasher hasher, LeadRepository leads, JourneyService journeys, TimeProvider time,
    IOptions<WeComOptions> options, Audience.PeopleStore people, ILogger<WeComEvents> logger)
{
    public async Task HandleAsync(CallbackMessage message, CancellationToken cancellationToken)
    {
        if (message.Kind == CallbackKind.CustomerAdded && message.ExternalUserId is { Length: > 0 } customer)
        {
            var code = message.State is { } state ? await ways.FindAsync(state, cancellationToken) : null;
            if (code is null)
            {
                LogNotOurs(logger);
                return;
            }
            try
            {
                // Sealed before the scan: the journey the scan starts sends its first message through WeCom.
                await identities.SaveAsync(LeadIdOf(customer), new WeComContact(customer, message.ClerkUserId, message.WelcomeCode), cancellationToken);
                var (scan, _, store) = await scans.ScanAsync(code, WeComIds.Identity(customer), WeComIds.ScanIdFor(message), withStage: false, cancellationToken);
                LogAdded(logger, code.StoreId, scan.Replayed);
                await WelcomeAsync(message, store.Name, cancellationToken);
            }
            catch (StoreNotFoundException)
            {
                LogNoStore(logger, code.StoreId);
            }
            return;
        }
        if ((message.Kind is CallbackKind.CustomerDeleted or CallbackKind.ClerkDeletedByCustomer) && message.ExternalUserId is { Length: > 0 } lost && message.ClerkUserId is { Length: > 0 } clerk)
        {
            await LostAsync(lost, clerk, message, cancellationToken);
            return;
        }
        if (message.Kind == CallbackKind.GroupChanged)
        {
            await groups.HandleAsync(message, cancellationToken);
            return;
        }
        LogOther(logger, message.Kind, message.Event, message.ChangeType ?? "-");
    }

    /// <summary>
    /// The clerk and the customer are no longer contacts (either side deleted the other): at every store where that
    /// clerk recruited the lead, its journey ends as opted out (counted with the store's opt-outs). The event id is
    /// the callback's, so WeCom's retries end it once.
    /// </summary>
    private async Task LostAsync(string externalUserId, string clerkId, CallbackMessage message, CancellationToken cancellationToken)
    {
        var leadId = LeadIdOf(externalUserId);
        var index = await leads.GetIndexAsync(leadId, cancellationToken);
        var ended = 0;
        foreach (var storeId in index?.StoreIds ?? [])
        {
            if (await leads.ReadMemberAsync(storeId, leadId, cancellationToken) is not { } member || member.Member.ClerkId != clerkId) continue;
            await journeys.RaiseAsync(storeId, leadId, new Core.Journeys.OptedOut(time.GetUtcNow(), WeComIds.ScanIdFor(message)), cancellationToken);
            ended++;
        }
        // The customer removed the clerk: their own choice not to hear from the business on WeCom (a redelivery records nothing twice).
        if (message.Kind == CallbackKind.ClerkDeletedByCustomer && index is not null && (await people.ConsentAsync(leadId, cancellationToken)).Allows(Core.Audience.ConsentState.WeCom))
        {
            await people.RecordAsync(leadId, new Audience.ConsentRecord("out", Core.Audience.ConsentState.WeCom, time.GetUtcNow(), "wecom-event:" + message.Event, null), cancellationToken);
        }
        LogLost(logger, message.Kind, ended);
    }

    private string LeadIdOf(string externalUserId) => WeComIds.LeadIdFor(hasher, externalUserId);

    [LoggerMessage(Level = LogLevel.Information, Message = "WeCom {Kind}: the lead's journey ends at {Stores} store(s)")]
    private static partial void LogLost(ILogger logger, CallbackKind kind, int stores);

    /// <summary>
    /// The welcome, on every delivery of the event while its code is fresh: WeCom takes a welcome code once, so a
    /// delivery after the one that sent it (or a crash between sending and answering) sends nothing twice. A failure
    /// WeCom calls permanent is logged with its reason; a transient one fails the callback, and WeCom delivers again.
    /// </summary>
    private async Task WelcomeAsync(CallbackMessage message, string storeName, CancellationToken cancellationToken)
    {
        if (message.WelcomeCode is not { Length: > 0 } welcomeCode) return;
        try
        {
            if (await client.SendWelcomeAsync(welcomeCode, options.Value.WelcomeText.Replace("{store}", storeName, StringComparison.Ordinal), cancellationToken)) LogWelcomed(logger);
        }
        catch (WeComException e) when (e.Outcome == WeComOutcome.Permanent)
        {
            LogWelcomeRefused(logger, e.ErrCode, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "WeCom welcome message sent")]
    private static partial void LogWelcomed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom refused the welcome message (errcode {ErrCode}): {Reason}")]
    private static partial void LogWelcomeRefused(ILogger logger, int errCode, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "WeCom customer added by a clerk at store {StoreId} (a retry of an event already counted: {Replayed})")]
    private static partial void LogAdded(ILogger logger, string storeId, bool replayed);

    [LoggerMessage(Level = LogLevel.Information, Message = "WeCom customer added through a way that is not Funnel's (no state, or one Funnel did not make): acknowledged, not counted")]
    private static partial void LogNotOurs(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeCom customer added through a way of store {StoreId}, which no longer exists: acknowledged, not counted")]
    private static partial void LogNoStore(ILogger logger, string storeId);

    [LoggerMessage(Level = LogLevel.Information, Message = "WeCom callback {Kind}: {Event}/{ChangeType} (not acted on yet)")]
    private static partial void LogOther(ILogger logger, CallbackKind kind, string @event, string changeType);
}
