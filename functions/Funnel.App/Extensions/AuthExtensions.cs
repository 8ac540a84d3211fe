using Funnel.App.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Funnel.App.Extensions;

internal static class AuthExtensions
{
    public static IServiceCollection AddFunnelAuth(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section)
            .Validate(a => a.UsesEntraId || SecretKeyAttribute.IsAcceptable(a.SigningKey),
                $"Auth is not configured: set Auth:SigningKey (at least {AuthOptions.MinSigningKeyLength} random characters, not the sample's placeholder; ./run.sh writes one into " +
                "local.settings.json) or Auth:Authority and Auth:Audience for Entra ID.")
            .ValidateOnStart();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>>((o, authOptions) =>
        {
            var auth = authOptions.Value;
            o.MapInboundClaims = false;
            if (auth.UsesEntraId)
            {
                o.Authority = auth.Authority;
                o.Audience = auth.Audience;
                o.TokenValidationParameters.RoleClaimType = string.IsNullOrEmpty(auth.RoleClaimType) ? "roles" : auth.RoleClaimType;
            }
            else
            {
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Issuer,
                    ValidAudience = auth.Audience,
                    IssuerSigningKey = auth.DevSigningKey(),
                    RoleClaimType = string.IsNullOrEmpty(auth.RoleClaimType) ? "role" : auth.RoleClaimType,
                    NameClaimType = "sub",
                    ClockSkew = TimeSpan.FromMinutes(1),
                };
            }
            o.Events = new JwtBearerEvents
            {
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    var detail = context.AuthenticateFailure is { } failure
                        ? $"The bearer token was refused: {Reason(failure)}"
                        : "This endpoint needs a bearer token (Authorization: Bearer <JWT>). Locally, ./run.sh token --role hq prints one.";
                    await Problems.Create(StatusCodes.Status401Unauthorized, "unauthorized", "Not signed in", detail).ExecuteAsync(context.HttpContext);
                },
                OnForbidden = async context =>
                {
                    var needed = context.HttpContext.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>()
                        .SelectMany(a => (a.Roles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)).Distinct().ToList() ?? [];
                    var detail = needed.Count > 0
                        ? $"This needs one of the roles {string.Join(", ", needed)}; the token has {StoreScope.RolesOf(context.HttpContext.User)}."
                        : "The token is not allowed to do this.";
                    await Problems.Forbidden(detail).ExecuteAsync(context.HttpContext);
                },
            };
        });
        services.AddSingleton<IClaimsTransformation, StaffClaims>();
        services.AddAuthorization();
        return services;
    }

    private static string Reason(Exception failure) => failure switch
    {
        SecurityTokenExpiredException => "it has expired; get a new one.",
        SecurityTokenNotYetValidException => "it is not valid yet; check the issuer's clock.",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "its signature does not match this Funnel's signing key.",
        SecurityTokenInvalidAudienceException => "it was issued for another audience.",
        SecurityTokenInvalidIssuerException => "it was issued by another issuer.",
        _ => "it is malformed or not valid.",
    };
}
