using System.Security.Cryptography;
using System.Text;
using AkkaBgp.Service.Hosting;
using Microsoft.AspNetCore.Http;

namespace AkkaBgp.Service.Management;

/// <summary>
/// Write endpoints require <c>Authorization: Bearer &lt;management.token&gt;</c> when a token is configured.
/// The configuration refuses a non-loopback management address without one, so an open write API is only
/// ever reachable from the machine itself.
/// </summary>
public sealed class BearerTokenFilter(RunningConfiguration running) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var token = running.Current.Management.Token;
        if (string.IsNullOrEmpty(token)) return await next(context);
        if (Authorized(context.HttpContext.Request.Headers.Authorization.ToString(), token)) return await next(context);
        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
            detail: "this endpoint needs Authorization: Bearer <management.token>");
    }

    /// <summary>
    /// Whether the Authorization header carries the token. The time taken must not tell an attacker how much of a guess
    /// was right: both sides are hashed to 32 bytes (FixedTimeEquals alone returns at once when the lengths differ, which
    /// tells the token's length) and the digests are compared with CryptographicOperations.FixedTimeEquals, which looks at
    /// every byte whatever the first difference.
    /// </summary>
    internal static bool Authorized(string header, string token)
    {
        const string scheme = "Bearer ";
        var presented = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : "";
        Span<byte> a = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> b = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), a);
        SHA256.HashData(Encoding.UTF8.GetBytes(token), b);
        // The scheme check is not secret (the header's shape is public); the empty guess never matches a set token.
        return CryptographicOperations.FixedTimeEquals(a, b) && presented.Length > 0;
    }
}
