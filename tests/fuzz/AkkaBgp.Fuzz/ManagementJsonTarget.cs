using System.Text.Json;
using AkkaBgp.Service.Management;
using AkkaBgp.Wire;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AkkaBgp.Fuzz;

/// <summary>
/// The management API's request bodies, without HTTP: the input is a body as a client would send it. It goes
/// through <see cref="RequestBody"/> (the one JSON reader every endpoint uses), then through each body parser:
/// POST /bgp/routes, the stop/reset communication, the DELETE /bgp/routes prefix. Every outcome must be a route
/// or a 400 problem, never an exception; an accepted route must hold what the parser promises the RIB.
/// </summary>
public static class ManagementJsonTarget
{
    public static void Run(byte[] input)
    {
        var (body, notJson) = RequestBody.ReadJsonAsync(new MemoryStream(input, writable: false), CancellationToken.None)
            .GetAwaiter().GetResult();
        if (notJson is not null)
        {
            BadRequest(notJson, "not JSON");
            return;
        }

        var (route, routeProblem) = RibEndpoints.ParseRoute(body);
        if ((route is null) == (routeProblem is null))
            throw new FuzzCheckException("the route parser must give a route or a problem, exactly one");
        if (routeProblem is not null) BadRequest(routeProblem, "route");
        if (route is not null)
        {
            if (route.Prefix.ToString() is var text && Prefix.TryParse(text, out var again) && again != route.Prefix)
                throw new FuzzCheckException($"accepted prefix {text} does not read back as itself");
            if (route.NextHop is { } hop && hop.AddressFamily != route.Prefix.Address.AddressFamily)
                throw new FuzzCheckException($"next hop {hop} accepted for {route.Prefix}");
            if (route.Prepend is < 0 or > 32)
                throw new FuzzCheckException($"prepend {route.Prepend} accepted");
            _ = route.ToString();
        }

        var (communication, communicationProblem) = NeighborEndpoints.ParseCommunication(body);
        if (communicationProblem is not null)
        {
            if (communication is not null) throw new FuzzCheckException("a communication and a problem");
            BadRequest(communicationProblem, "communication");
        }
        else
        {
            // What the FSM sends next: Cease/2 or Cease/4 with this text (RFC 9003) must encode.
            _ = NotificationMessage.Shutdown(CeaseSubcode.AdministrativeShutdown, communication).ToArray();
            _ = NotificationMessage.Shutdown(CeaseSubcode.AdministrativeReset, communication).ToArray();
        }

        string withdraw = RibEndpoints.WithdrawPrefix(body);
        if (withdraw.Length > 0 && !RibEndpoints.TryPrefix(withdraw, out _, out var bad))
            BadRequest(bad, "withdraw prefix");
    }

    private static void BadRequest(IResult result, string what)
    {
        if (result is not ProblemHttpResult { StatusCode: StatusCodes.Status400BadRequest } problem)
            throw new FuzzCheckException($"{what}: expected a 400 problem, got {result.GetType().Name}");
        if (string.IsNullOrEmpty(problem.ProblemDetails.Detail))
            throw new FuzzCheckException($"{what}: a 400 problem without a detail");
    }
}
