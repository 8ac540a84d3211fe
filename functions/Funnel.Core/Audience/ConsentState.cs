namespace Funnel.Core.Audience;

/// <summary>
/// A lead's consent to be messaged: brand-wide and per channel. A lead who has said nothing agreed by joining (the
/// join page's text); an opt-out, brand-wide or of a channel, stops every message on it at once, and only the
/// shopper's own action opts them back in.
/// </summary>
public sealed record ConsentState(bool OptedOut, IReadOnlyList<string> ChannelsOptedOut, DateTimeOffset? Since, string? Via, string? TextVersion)
{
    public const string All = "all";
    public const string WeCom = "wecom";
    public const string Web = "web";

    public static readonly IReadOnlyList<string> Channels = [All, WeCom, Web];

    public static readonly ConsentState Default = new(false, [], null, "join", null);

    /// <summary>Whether a message may go to the lead on the channel ("wecom", or "web" for the outbound log).</summary>
    public bool Allows(string channel) => !OptedOut && !ChannelsOptedOut.Contains(channel);

    /// <summary>The state after a choice.</summary>
    public ConsentState After(bool optIn, string channel, DateTimeOffset at, string via, string? textVersion)
    {
        if (channel == All) return new ConsentState(!optIn, optIn ? [] : ChannelsOptedOut, at, via, textVersion);
        var channels = optIn ? ChannelsOptedOut.Where(c => c != channel).ToList() : ChannelsOptedOut.Append(channel).Distinct(StringComparer.Ordinal).ToList();
        return new ConsentState(OptedOut, channels, at, via, textVersion);
    }
}
