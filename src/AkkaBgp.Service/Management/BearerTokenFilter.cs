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
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        bool ok = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), Encoding.UTF8.GetBytes(token));
        if (ok) return await next(context);
        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
            detail: "this endpoint needs Authorization: Bearer <management.token>");
    }
}
