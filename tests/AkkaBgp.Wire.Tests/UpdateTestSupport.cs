using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Wire.Tests;

/// <summary>Builds UPDATE bodies from hex pieces and decodes them with assertions.</summary>
internal static class U
{
    public static readonly UpdateDecodeContext Ebgp4 = new(fourOctetAs: true, PeerKind.External);
    public static readonly UpdateDecodeContext Ibgp4 = new(fourOctetAs: true, PeerKind.Internal);
    public static readonly UpdateDecodeContext Ebgp2 = new(fourOctetAs: false, PeerKind.External);
    public static readonly UpdateEncodeContext Enc4 = new(fourOctetAs: true);
    public static readonly UpdateEncodeContext Enc2 = new(fourOctetAs: false);

    // Valid mandatory attributes for a 4-octet session: ORIGIN IGP, AS_PATH (65001), NEXT_HOP 192.0.2.1.
    public const string Origin = "40010100";
    public const string AsPath4 = "4002060201 0000FDE9";
    public const string NextHop = "400304 C0000201";
    public const string Mandatory = Origin + AsPath4 + NextHop;
    public const string Nlri24 = "18 C63364"; // 198.51.100.0/24

    /// <summary>Body: withdrawn length + withdrawn + attribute length + attributes + NLRI.</summary>
    public static byte[] Body(string attrsHex, string nlriHex = "", string withdrawnHex = "")
    {
        var w = Hex.Parse(withdrawnHex);
        var a = Hex.Parse(attrsHex);
        var n = Hex.Parse(nlriHex);
        var b = new byte[4 + w.Length + a.Length + n.Length];
        b[0] = (byte)(w.Length >> 8); b[1] = (byte)w.Length;
        w.CopyTo(b, 2);
        b[2 + w.Length] = (byte)(a.Length >> 8); b[3 + w.Length] = (byte)a.Length;
        a.CopyTo(b, 4 + w.Length);
        n.CopyTo(b, 4 + w.Length + a.Length);
        return b;
    }

    /// <summary>Whole message: marker, length, type 2, body.</summary>
    public static byte[] Message(byte[] body)
    {
        var m = new byte[19 + body.Length];
        m.AsSpan(0, 16).Fill(0xFF);
        m[16] = (byte)(m.Length >> 8); m[17] = (byte)m.Length; m[18] = 2;
        body.CopyTo(m, 19);
        return m;
    }

    public static UpdateMessage Ok(byte[] body, UpdateDecodeContext? ctx = null)
    {
        bool ok = UpdateMessage.TryDecode(body, ctx ?? Ebgp4, out var msg, out var err);
        Assert.True(ok, err?.ToString());
        Assert.NotNull(msg);
        return msg!;
    }

    public static UpdateMessage Clean(byte[] body, UpdateDecodeContext? ctx = null)
    {
        var m = Ok(body, ctx);
        Assert.True(m.Errors.Count == 0, string.Join("; ", m.Errors));
        Assert.Null(m.Action);
        return m;
    }

    public static WireError Fatal(byte[] body, UpdateDecodeContext? ctx = null)
    {
        bool ok = UpdateMessage.TryDecode(body, ctx ?? Ebgp4, out var msg, out var err);
        Assert.False(ok, $"decoded as {msg}");
        Assert.NotNull(err);
        return err!;
    }

    public static void Is(WireError e, ErrorAction action, byte subcode, string dataHex)
    {
        Assert.Equal(action, e.Action);
        Assert.Equal(ErrorCode.UpdateMessage, e.Code);
        Assert.Equal(subcode, e.Subcode);
        Assert.Equal(Hex.Of(Hex.Parse(dataHex)), Hex.Of(e.Data));
    }

    /// <summary>The single non-fatal error of a message, checked.</summary>
    public static WireError Single(UpdateMessage m, ErrorAction action, byte subcode, string dataHex)
    {
        Assert.True(m.Errors.Count == 1, string.Join("; ", m.Errors));
        Is(m.Errors[0], action, subcode, dataHex);
        Assert.Equal(action, m.Action);
        return m.Errors[0];
    }

    public static Prefix P(string s) => Prefix.Parse(s);
    public static NlriEntry[] Ps(params string[] s) => s.Select(x => (NlriEntry)Prefix.Parse(x)).ToArray();
}
