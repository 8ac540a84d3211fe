using Funnel.Core.Codes;

namespace Funnel.Core.Scans;

/// <summary>
/// One scan waiting to be committed at a store. <paramref name="ScanId"/> is the client's id for retries (or null).
/// <paramref name="KocId"/>: the KOC who recruits the lead, when it is new to the store and came through a KOC's code with room.
/// <paramref name="KnownMember"/> is the lead's membership at this store as last read, or null if none was found.
/// </summary>
public sealed record ScanInput(string LeadId, string? ScanId, EntryCode Code, bool IsNewLead, Member? KnownMember, string? KocId = null)
{
    /// <summary>Two scans with the same key are the same scan (a client retry); scans without an id are all distinct.</summary>
    public string? ScanKey => ScanId is null ? null : $"{LeadId}|{ScanId}";
}
