using System.Buffers.Binary;
using AkkaBgp.Wire;

namespace AkkaBgp.Rib.Policy;

/// <summary>Max-prefix for one neighbor and family: a warning at <see cref="WarningPercent"/> of the limit,
/// then the session is closed with Cease/1 (RFC 4486 section 4), and restarted after
/// <see cref="RestartInterval"/> if one is set (else it stays down until an operator starts it).</summary>
public sealed record MaxPrefixSettings(int Limit, int WarningPercent = 90, TimeSpan? RestartInterval = null)
{
    public int WarningThreshold => (int)Math.Ceiling(Limit * (WarningPercent / 100.0));
}

public enum MaxPrefixEvent { None, Warning, Exceeded }

/// <summary>Tracks one neighbor/family count against its limit and reports each threshold crossing once.</summary>
public sealed class MaxPrefixTracker
{
    private readonly MaxPrefixSettings _settings;
    private bool _warned, _exceeded;

    public MaxPrefixTracker(MaxPrefixSettings settings) => _settings = settings;

    public MaxPrefixSettings Settings => _settings;

    /// <summary>Checks the current accepted count. The limit is exceeded when the count goes above it.</summary>
    public MaxPrefixEvent Check(int count)
    {
        if (count > _settings.Limit)
        {
            if (_exceeded) return MaxPrefixEvent.None;
            _exceeded = _warned = true;
            return MaxPrefixEvent.Exceeded;
        }
        if (count >= _settings.WarningThreshold && !_warned)
        {
            _warned = true;
            return MaxPrefixEvent.Warning;
        }
        if (count < _settings.WarningThreshold) _warned = false;
        return MaxPrefixEvent.None;
    }

    /// <summary>The NOTIFICATION RFC 4486 section 4 asks for: Cease, subcode 1, data AFI (2), SAFI (1), upper bound (4).</summary>
    public static NotificationMessage Notification(AfiSafi family, int limit)
    {
        var data = new byte[7];
        BinaryPrimitives.WriteUInt16BigEndian(data, family.Afi);
        data[2] = family.Safi;
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(3), (uint)Math.Max(limit, 0));
        return new NotificationMessage(ErrorCode.Cease, CeaseSubcode.MaximumPrefixesReached, data);
    }
}
