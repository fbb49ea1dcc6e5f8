using AkkaBgp.Rib.Engine;
using AkkaBgp.Service.Configuration;
using AkkaBgp.Speaker;
using AkkaBgp.Transport;

namespace AkkaBgp.Service.Hosting;

/// <summary>The speaker's and the RIB's types built from the validated configuration.</summary>
public static class SpeakerConfiguration
{
    public static SpeakerSettings ToSpeakerSettings(this RunningConfiguration running)
    {
        var config = running.Current;
        return new SpeakerSettings
        {
            Neighbors = [.. config.NodeNeighbors],
            DynamicNeighbors = config.DynamicNeighbors.Select(ToSpeakerRange).ToArray(),
            Listener = new ListenerSettings { Endpoints = config.Listen },
            RibProps = RibActor.Props(config.ToRibSettings(), running.RibConfigFor, config.Routes.Select(ToLocalRoute)),
        };
    }

    /// <summary>
    /// The configured AS (or remote-as-range) goes along: the session then accepts any AS from MinAs to MaxAs.
    /// </summary>
    public static Speaker.DynamicNeighborRange ToSpeakerRange(Configuration.DynamicNeighborRange range) =>
        new(range.Prefix, range.Template, range.Limit, range.MinAs, range.MaxAs);

    public static LocalRoute ToLocalRoute(this OriginatedRoute r) => new()
    {
        Prefix = r.Prefix,
        NextHop = r.NextHop,
        Med = r.Med,
        LocalPref = r.LocalPref,
        Communities = r.Communities,
        LargeCommunities = r.LargeCommunities,
        Prepend = r.AsPathPrepend,
    };
}
