using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Wire.Tests;

/// <summary>The bar: no per-prefix heap allocation when decoding. Decoding an UPDATE allocates a fixed
/// number of objects plus one copy of the body, whatever the number of prefixes.</summary>
public class UpdateAllocationTests
{
    private static long Allocated(byte[] body)
    {
        UpdateMessage.TryDecode(body, U.Ebgp4, out var warm, out _);
        long sum = 0;
        foreach (var e in warm!.Nlri) sum += e.Prefix.Length;
        long before = GC.GetAllocatedBytesForCurrentThread();
        UpdateMessage.TryDecode(body, U.Ebgp4, out var m, out _);
        foreach (var e in m!.Nlri) sum += e.Prefix.Length;
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(sum > 0);
        return after - before;
    }

    [Fact]
    public void Decode_allocation_does_not_grow_per_prefix()
    {
        var attrs = new PathAttributesBuilder { Origin = Origin.Igp, AsPath = AsPath.Sequence(65001, 65002), NextHop = 0xC0000201 }.Build();
        var one = UpdateEncoder.EncodeIPv4(U.Enc4, default, attrs, U.Ps("10.0.0.0/24"))[19..];
        var many = UpdateEncoder.EncodeIPv4(U.Enc4, default, attrs, Enumerable.Range(0, 900).Select(i => (NlriEntry)Prefix.IPv4((uint)i << 8, 24)).ToArray())[19..];
        long a1 = Allocated(one), a900 = Allocated(many);
        // The only growth is the body copy (plus array rounding).
        Assert.InRange(a900 - a1, 0, many.Length - one.Length + 16);
        Assert.True(a1 < 600, $"{a1} B for a one-prefix UPDATE");
    }
}
