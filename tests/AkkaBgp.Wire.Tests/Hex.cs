namespace AkkaBgp.Wire.Tests;

internal static class Hex
{
    /// <summary>Hex with any whitespace; "M" expands to the 16-octet all-ones marker.</summary>
    public static byte[] Parse(string text)
    {
        text = text.Replace("M", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
        var clean = new string(text.Where(c => !char.IsWhiteSpace(c)).ToArray());
        return Convert.FromHexString(clean);
    }

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
}

internal static class Decode
{
    public static BgpMessage Ok(byte[] message, bool extended = false)
    {
        bool ok = BgpMessageCodec.TryDecode(message, new DecodeContext { ExtendedMessages = extended }, out BgpMessage? msg, out WireError? error);
        Assert.True(ok, error?.ToString());
        Assert.Null(error);
        return msg!;
    }

    public static WireError Fails(byte[] message, bool extended = false)
    {
        bool ok = BgpMessageCodec.TryDecode(message, new DecodeContext { ExtendedMessages = extended }, out BgpMessage? msg, out WireError? error);
        Assert.False(ok, $"decoded as {msg}");
        Assert.NotNull(error);
        Assert.Equal(ErrorAction.SessionReset, error!.Action);
        return error;
    }

    public static void Is(WireError e, byte code, byte subcode, string dataHex = "")
    {
        Assert.Equal((code, subcode), (e.Code, e.Subcode));
        Assert.Equal(dataHex.Replace(" ", ""), Hex.Of(e.Data));
    }
}
