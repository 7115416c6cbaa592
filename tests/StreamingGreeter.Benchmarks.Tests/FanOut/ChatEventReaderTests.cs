using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using StreamingGreeter.FanOut.Http2;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Benchmarks.Tests.FanOut;

/// <summary>The hand-written reader against ChatEvents serialized by Google.Protobuf.</summary>
public sealed class ChatEventReaderTests
{
    [Theory]
    [InlineData(1L)]
    [InlineData(300L)]
    [InlineData(long.MaxValue)]
    public void Read_EveryFieldSet_ReturnsSequenceAndText(long sequence)
    {
        var chatEvent = new ChatEvent
        {
            Kind = ChatEvent.Types.Kind.Message,
            Room = "fanout",
            Sender = "publisher",
            Text = "1234567890123",
            Sequence = sequence,
            Time = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero)),
            Epoch = "00000000000000000000000000000000",
            MessageId = "id-1",
        };

        ChatEventReader.Read(chatEvent.ToByteArray(), out var read, out var text);

        Assert.Equal(sequence, read);
        Assert.Equal("1234567890123", Encoding.UTF8.GetString(text));
        Assert.Equal(1234567890123, ChatEventReader.ParseDecimal(text));
    }

    [Fact]
    public void Read_DefaultFields_ReturnsZeroAndEmpty()
    {
        ChatEventReader.Read(new ChatEvent { Room = "r" }.ToByteArray(), out var sequence, out var text);

        Assert.Equal(0, sequence);
        Assert.True(text.IsEmpty);
    }

    [Fact]
    public void Read_Truncated_Throws()
    {
        var bytes = new ChatEvent { Text = "hello", Sequence = 1_000_000 }.ToByteArray();

        Assert.Throws<InvalidDataException>(() => ChatEventReader.Read(bytes.AsSpan(0, bytes.Length - 1), out _, out _));
    }

    [Theory]
    [InlineData("", -1L)]
    [InlineData("12a", -1L)]
    [InlineData("-5", -1L)]
    [InlineData("0", 0L)]
    [InlineData("987654321", 987654321L)]
    public void ParseDecimal_Text_ReturnsNumberOrMinusOne(string text, long expected)
    {
        Assert.Equal(expected, ChatEventReader.ParseDecimal(Encoding.ASCII.GetBytes(text)));
    }
}
