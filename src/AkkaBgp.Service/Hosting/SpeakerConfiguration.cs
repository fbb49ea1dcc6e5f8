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
            Neighbors = config.Neighbors,
            DynamicNeighbors = config.DynamicNeighbors.Select(ToSpeakerRange).ToArray(),
            Listener = new ListenerSettings { Endpoints = config.Listen },
            RibProps = RibActor.Props(config.ToRibSettings(), running.RibConfigFor, config.Routes.Select(ToLocalRoute)),
        };
    }

    /// <summary>
    /// The speaker's ranges take one AS per range (the template's); a configured AS range is accepted by the
    /// configuration, but the session then expects its lowest AS until the speaker learns AS ranges.
    /// </summary>
    public static Speaker.DynamicNeighborRange ToSpeakerRange(Configuration.DynamicNeighborRange range) =>
        new(range.Prefix, range.Template, range.Limit);

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
