namespace Funnel.App.Auth;

/// <summary>The roles of api.md and the claims that scope them.</summary>
internal static class Roles
{
    public const string Hq = "hq";
    public const string Store = "store";
    public const string Clerk = "clerk";
    public const string Pos = "pos";

    public const string StoreIdClaim = "storeId";
    public const string ClerkIdClaim = "clerkId";

    public static readonly string[] All = [Hq, Store, Clerk, Pos];
}
