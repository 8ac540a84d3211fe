using Funnel.App.Auth;
using Funnel.App.Extensions;
using Funnel.Core;
using Microsoft.Extensions.Configuration;

namespace Funnel.Dev.Tokens;

/// <summary>
/// "token --role hq|store|clerk|pos [--store ID] [--clerk ID] [--hours N]": prints a dev token, the JWT alone
/// on the last line, using the signing key from local.settings.json or the environment. Starts nothing.
/// </summary>
internal static class TokenCommand
{
    public static int Run(string[] args)
    {
        string? role = null, store = null, clerk = null;
        var hours = 12.0;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--role": role = value; i++; break;
                case "--store": store = value; i++; break;
                case "--clerk": clerk = value; i++; break;
                case "--hours" when double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var h) && h > 0: hours = h; i++; break;
                default: return Fail($"Unknown argument '{args[i]}'.");
            }
        }
        if (role is null || !Roles.All.Contains(role)) return Fail("--role must be one of hq, store, clerk, pos.");
        if (role != Roles.Hq && store is null) return Fail($"Role '{role}' is scoped to a store: add --store ID.");
        if (role == Roles.Clerk && clerk is null) return Fail("Role 'clerk' needs --clerk ID.");
        if ((store is not null && !Ids.IsValid(store)) || (clerk is not null && !Ids.IsValid(clerk))) return Fail(Ids.Describe("--store/--clerk"));

        var options = LoadAuthOptions();
        if (options.SigningKey.Length < AuthOptions.MinSigningKeyLength)
        {
            return Fail("No dev signing key: run ./run.sh once (it creates local.settings.json) or set Auth__SigningKey.");
        }
        var token = DevTokens.Create(options, role, role == Roles.Hq ? null : store, role == Roles.Clerk ? clerk : null,
            TimeProvider.System.GetUtcNow(), TimeSpan.FromHours(hours));
        Console.WriteLine($"# {role} token{(store is null ? "" : $" for store {store}")}{(clerk is null ? "" : $", clerk {clerk}")}, valid {hours} h. Use: Authorization: Bearer <token>");
        Console.WriteLine(token);
        return 0;
    }

    /// <summary>
    /// The signing key and issuer settings for the commands that mint dev tokens (token, demo), read as the app reads
    /// them: appsettings.json, then local.settings.json, then the environment.
    /// </summary>
    internal static AuthOptions LoadAuthOptions() => Configuration().GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();

    /// <summary>One of the app's settings (e.g. "Funnel:LeadHashKey"), read the same way.</summary>
    internal static string? LoadSetting(string key) => Configuration()[key];

    private static ConfigurationManager Configuration()
    {
        var configuration = new ConfigurationManager();
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        configuration.AddEnvironmentVariables();
        LocalSettings.AddTo(configuration, Directory.GetCurrentDirectory());
        return configuration;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"token: {message}");
        Console.Error.WriteLine("usage: ./run.sh token --role hq|store|clerk|pos [--store ID] [--clerk ID] [--hours N]");
        return 2;
    }
}
