namespace Funnel.Core.WeCom;

/// <summary>What to do about a WeCom API answer, by its errcode.</summary>
public enum WeComOutcome
{
    Ok,

    /// <summary>The access token is expired, invalid or missing: fetch a new one and call again (once).</summary>
    RefreshToken,

    /// <summary>WeCom is busy: call again after a pause (WeCom suggests at most 3 tries).</summary>
    Retry,

    /// <summary>A frequency or concurrency limit: call again later, more slowly.</summary>
    RateLimited,

    /// <summary>The call can never succeed as made (a bad secret, an unknown user, a refused parameter).</summary>
    Permanent,
}

/// <summary>
/// WeCom's global error codes (全局错误码; a program is to decide on errcode, never on errmsg, which WeCom may reword):
/// -1 system busy; 40014 invalid access_token, 41001 access_token missing, 42001 access_token expired; 45009 API
/// frequency limit, 45033 concurrency limit. Every other non-zero code is permanent for the call as made.
/// </summary>
public static class WeComErrors
{
    public static WeComOutcome Classify(int errcode) => errcode switch
    {
        0 => WeComOutcome.Ok,
        40014 or 41001 or 42001 => WeComOutcome.RefreshToken,
        -1 => WeComOutcome.Retry,
        45009 or 45033 => WeComOutcome.RateLimited,
        _ => WeComOutcome.Permanent,
    };
}
