using Funnel.Core.Codes;

namespace Funnel.Core.Scans;

/// <summary>
/// One scan waiting to be committed at a store.
/// <paramref name="ScanKey"/> identifies the scan for idempotency (lead id + client scan id).
/// <paramref name="KnownMember"/> is the lead's membership at this store as last read, or null if none was found.
/// </summary>
public sealed record ScanInput(string ScanKey, string LeadId, EntryCode Code, bool IsNewLead, Member? KnownMember);
