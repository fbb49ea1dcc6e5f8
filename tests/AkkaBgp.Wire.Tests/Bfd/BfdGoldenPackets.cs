using AkkaBgp.Wire.Bfd;

namespace AkkaBgp.Wire.Tests.Bfd;

/// <summary>
/// Real BFD Control packets, captured on loopback with <c>tshark -i lo -f 'udp port 3784 or udp port 4784' -T fields
/// -e udp.payload</c> from FRR 8.4.4 bfdd and BIRD 2.0.12 (Debian 12 packages) in the Down state, BIRD configured with
/// <c>authentication &lt;type&gt;; password "akka-bfd" { id 7; };</c> on a multihop neighbor.
/// </summary>
internal static class BfdGoldenPackets
{
    public static readonly byte[] Password = "akka-bfd"u8.ToArray();
    public const byte KeyId = 7;

    /// <summary>FRR bfdd, single hop, Down, no diagnostic, 1 s TX/RX while not Up (RFC 5880 6.8.3), echo 50 ms.</summary>
    public const string FrrDown = "204003185cf9fa6e00000000000f4240000f42400000c350";

    public const string BirdSimplePassword = "20440523fd96153800000000000f42400000271000000000010b07616b6b612d626664";
    public const string BirdKeyedMd5First = "20440530e66e0c8500000000000f4240000027100000000002180700631381a4140001f7179691b4bf7809ad8e376aa6";
    /// <summary>The next packet of the same session: BIRD increments the sequence number even for the non-meticulous type.</summary>
    public const string BirdKeyedMd5Second = "20440530e66e0c8500000000000f4240000027100000000002180700631381a5dc843874a61d9858b87b7def6cdb763e";
    public const string BirdMeticulousMd5First = "20440530266ba62000000000000f42400000271000000000031807000a2444558706fdaf1649c10a8a936b082de4d01d";
    public const string BirdMeticulousMd5Second = "20440530266ba62000000000000f42400000271000000000031807000a24445648cec4b61dacc2b72bbce4dc97542ef1";
    public const string BirdKeyedSha1 = "20440534af0345f700000000000f42400000271000000000041c07006ef741a87a04b32f4b6de1c5cbb430d07eabec3e3f09e3ab";
    public const string BirdMeticulousSha1 = "20440534c1ff30b400000000000f42400000271000000000051c0700a91df147add64bab9ea6e8b5a277be0876aabac502be86f8";

    public static BfdAuthKey Key(BfdAuthType type) => new(type, KeyId, Password);
}
