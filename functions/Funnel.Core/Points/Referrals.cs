using Funnel.Core.Leads;

namespace Funnel.Core.Points;

/// <summary>
/// A lead's share code is an entry code of its store whose channel names the lead ("ref-{lead id}"), so a lead who
/// joins through it carries the tag "channel:ref-{lead id}" like any channel tag. Staff cannot make such a code through
/// the codes API (the channel is reserved), so only the share-code route can.
/// </summary>
public static class Referrals
{
    public const string ChannelPrefix = "ref-";

    public static string ChannelFor(string leadId) => ChannelPrefix + leadId;

    public static bool IsReserved(string? channel) => channel?.StartsWith(ChannelPrefix, StringComparison.Ordinal) == true;

    /// <summary>The lead a share code's channel names, or null for any other channel.</summary>
    public static string? ReferrerOf(string channel) =>
        IsReserved(channel) && LeadIdHasher.LooksLikeLeadId(channel[ChannelPrefix.Length..]) ? channel[ChannelPrefix.Length..] : null;
}
