using Funnel.Core.Leads;

namespace Funnel.Core.Kocs;

/// <summary>
/// An entry code's channel that names a lead ("{prefix}{lead id}"): a lead's share code ("ref-") or a KOC's code
/// ("koc-"). A lead who joins through it carries the tag "channel:{channel}" like any channel tag. Staff cannot make such
/// a code through the codes API (the prefix is reserved); only the route that owns the prefix can.
/// </summary>
public sealed record LeadChannel(string Prefix)
{
    public static readonly LeadChannel Referral = new("ref-");
    public static readonly LeadChannel Koc = new("koc-");

    /// <summary>Every reserved prefix, for the codes API.</summary>
    public static readonly IReadOnlyList<LeadChannel> All = [Referral, Koc];

    public string ChannelFor(string leadId) => Prefix + leadId;

    public bool IsReserved(string? channel) => channel?.StartsWith(Prefix, StringComparison.Ordinal) == true;

    /// <summary>The lead the channel names, or null for any other channel.</summary>
    public string? LeadOf(string channel) =>
        IsReserved(channel) && LeadIdHasher.LooksLikeLeadId(channel[Prefix.Length..]) ? channel[Prefix.Length..] : null;

    /// <summary>The reserved prefix <paramref name="channel"/> starts with, if any.</summary>
    public static LeadChannel? ReservedBy(string? channel) => All.FirstOrDefault(c => c.IsReserved(channel));
}
