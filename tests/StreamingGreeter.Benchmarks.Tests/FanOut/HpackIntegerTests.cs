using StreamingGreeter.FanOut.Http2;

namespace StreamingGreeter.Benchmarks.Tests.FanOut;

public sealed class HpackIntegerTests
{
    [Theory]
    [InlineData(10, 5, new byte[] { 0x0a })] // C.1.1
    [InlineData(1337, 5, new byte[] { 0x1f, 0x9a, 0x0a })] // C.1.2
    [InlineData(42, 8, new byte[] { 0x2a })] // C.1.3
    [InlineData(127, 7, new byte[] { 0x7f, 0x00 })]
    public void Write_Rfc7541Examples_EncodesAndDecodes(int value, int prefixBits, byte[] expected)
    {
        var bytes = new byte[8];

        var written = HpackInteger.Write(bytes, value, prefixBits, 0);
        var position = 0;
        var read = HpackInteger.Read(expected, ref position, prefixBits);

        Assert.Equal(expected, bytes[..written]);
        Assert.Equal(value, read);
        Assert.Equal(expected.Length, position);
    }

    [Fact]
    public void Read_EndsInsideInteger_Throws()
    {
        var position = 0;

        Assert.Throws<HpackException>(() => HpackInteger.Read([0x1f, 0x9a], ref position, 5));
    }
}
