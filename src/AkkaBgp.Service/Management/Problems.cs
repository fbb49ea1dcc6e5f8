using Microsoft.AspNetCore.Http;

namespace AkkaBgp.Service.Management;

/// <summary>RFC 9457 problem details (application/problem+json) for every error the API returns.</summary>
public static class Problems
{
    public static IResult BadRequest(string detail, IReadOnlyList<string>? errors = null) =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request",
            extensions: errors is null ? null : new Dictionary<string, object?> { ["errors"] = errors });

    public static IResult NotFound(string detail) =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static IResult Conflict(string detail) =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    public static IResult Unavailable(string detail) =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service unavailable");

    public static IResult Timeout(string detail) =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status504GatewayTimeout, title: "The speaker did not answer in time");
}
