using System.Text;
using AkkaBgp.Service.Management;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AkkaBgp.Service.Tests.Endpoints;

/// <summary>
/// Request bodies that the coverage-guided fuzzer (tests/fuzz, target management-json) found throwing out of the
/// body parsers, which a client saw as a 500 with no problem text. Each must be the 400 problem every endpoint
/// gives for a body that is not JSON. The bodies are the fuzzer's findings, shortened by hand.
/// </summary>
public sealed class RequestBodyTests
{
    public static TheoryData<string, string> BadText => new()
    {
        // Raw octets that are not UTF-8 inside a string value: System.Text.Json parses them and throws only when
        // the string is read (RFC 8259 section 8.1: JSON text is UTF-8).
        { "invalid UTF-8 in a value", "7B22707265666978223A22FF2F38227D" },
        // ... and inside a property name.
        { "invalid UTF-8 in a name", "7B22FF223A317D" },
        // An escaped high surrogate with no low surrogate after it (RFC 8259 section 8.2: not a Unicode string).
        { "unpaired high surrogate escape", Hex("{\"communication\":\"\\ud800x\"}") },
        // An escaped low surrogate on its own.
        { "lone low surrogate escape", Hex("{\"prefix\":\"\\udc00\"}") },
    };

    private static string Hex(string text) => Convert.ToHexString(Encoding.UTF8.GetBytes(text));

    private static async Task<IResult?> Read(string hex)
    {
        var (_, problem) = await RequestBody.ReadJsonAsync(new MemoryStream(Convert.FromHexString(hex)), CancellationToken.None);
        return problem;
    }

    private static void AssertNotJson(IResult? result)
    {
        var problem = Assert.IsType<ProblemHttpResult>(result);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.StartsWith("the body is not JSON: ", problem.ProblemDetails.Detail);
    }

    [Theory]
    [MemberData(nameof(BadText))]
    public async Task A_body_with_text_that_is_not_unicode_is_400_not_json(string what, string hex)
    {
        Assert.NotEmpty(what);
        AssertNotJson(await Read(hex));
    }

    [Fact]
    public async Task The_route_and_communication_parsers_get_only_readable_bodies()
    {
        // The same path the endpoints take: read, then parse. Before the fix the read succeeded and the parsers threw.
        var (body, problem) = await RequestBody.ReadJsonAsync(new MemoryStream(Encoding.UTF8.GetBytes(
            "{\"prefix\":\"192.0.2.0/24\",\"communities\":[\"65000:1\"]}")), CancellationToken.None);
        Assert.Null(problem);
        var (route, routeProblem) = RibEndpoints.ParseRoute(body);
        Assert.Null(routeProblem);
        Assert.Equal("192.0.2.0/24", route!.Prefix.ToString());

        (body, problem) = await RequestBody.ReadJsonAsync(new MemoryStream(Encoding.UTF8.GetBytes(
            "{\"communication\":\"maintenance \\u00e9\\ud83d\\ude00\"}")), CancellationToken.None);
        Assert.Null(problem);
        var (communication, communicationProblem) = NeighborEndpoints.ParseCommunication(body);
        Assert.Null(communicationProblem);
        Assert.Equal("maintenance é😀", communication);
    }
}
