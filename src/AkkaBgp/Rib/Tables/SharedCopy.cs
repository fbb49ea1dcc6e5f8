namespace AkkaBgp.Rib.Tables;

/// <summary>
/// One copy of some bytes, handed out again for as long as the same bytes keep coming: an MP_REACH next hop, which a
/// peer sends the same for nearly all its routes, so that consecutive UPDATEs and attribute sets share one array
/// instead of a 40-byte copy each (W4, 200k IPv6 prefixes in 56k sets, 2026-12-06). Only the last copy is remembered:
/// nothing to count or clean up. The arrays are never written after this. A mutable struct: keep it in a field that is
/// not readonly and call it there.
/// </summary>
internal struct SharedCopy
{
    private byte[]? _last;

    public byte[] Of(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return Array.Empty<byte>();
        if (_last is null || !bytes.SequenceEqual(_last)) _last = bytes.ToArray();
        return _last;
    }
}
