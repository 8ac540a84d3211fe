using System.Collections.Concurrent;
using Azure;
using Funnel.Core.Scans;

namespace Funnel.App.Lanes;

/// <summary>
/// The membership rows a store's lane wrote last, with the ETags storage answered: a returning shopper's scan starts
/// from them instead of a point read. Safe when another instance changed the row since: the lane writes a membership
/// only on the ETag it was given, storage refuses a stale one, and the lane reads the row again (the scan is then
/// re-planned from it, a seen scan id answered as a replay). Bounded (forgotten wholesale when large).
/// </summary>
internal sealed partial class StoreLanes
{
    /// <summary>The lead's membership at the store as the store's lane last wrote it, or null when this instance has not.</summary>
    public (Member Member, ETag ETag)? KnownMember(string storeId, string leadId) =>
        _lanes.TryGetValue(storeId, out var lane) ? lane.KnownMember(leadId) : null;

    /// <summary>Forgets the lead's membership at the store (it was erased).</summary>
    public void ForgetMember(string storeId, string leadId)
    {
        if (_lanes.TryGetValue(storeId, out var lane)) lane.ForgetMember(leadId);
    }

    private sealed partial class StoreLane
    {
        public void ForgetMember(string leadId) => _members.TryRemove(leadId, out _);

        private const int MaxMembersKnown = 20_000;
        private readonly ConcurrentDictionary<string, (Member Member, ETag ETag)> _members = new(StringComparer.Ordinal);

        public (Member Member, ETag ETag)? KnownMember(string leadId) => _members.TryGetValue(leadId, out var known) ? known : null;

        private void RememberMembers(List<LaneAction> what, IReadOnlyList<Response> responses)
        {
            if (_members.Count > MaxMembersKnown) _members.Clear();
            for (var i = 0; i < what.Count && i < responses.Count; i++)
            {
                if (what[i].MemberValue is { } member && responses[i].Headers.ETag is { } etag) _members[member.LeadId] = (member, etag);
            }
        }

        private void RememberMember(string leadId, (Member Member, ETag ETag)? read)
        {
            if (read is { } known) _members[leadId] = known;
            else _members.TryRemove(leadId, out _);
        }
    }
}
