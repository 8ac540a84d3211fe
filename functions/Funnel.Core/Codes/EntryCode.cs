namespace Funnel.Core.Codes;

/// <summary>What a QR entry point stands for: the store, optionally the clerk and campaign, and a channel tag.</summary>
public sealed record EntryCode(string StoreId, string? ClerkId, string? CampaignId, string Channel);
