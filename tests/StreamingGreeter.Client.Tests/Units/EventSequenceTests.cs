using StreamingGreeter.Client.Connection;
using StreamingGreeter.Client.Output;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Tests.Units;

/// <summary>Where a resumed call starts, which events are duplicates, and when the user is told of a gap or a new history.</summary>
public sealed class EventSequenceTests
{
    [Fact]
    public void Accept_InOrder_NoNoticeAndResumesAfterTheLast()
    {
        var sequence = new EventSequence();

        Assert.True(sequence.Accept(Event("e1", 1), out var first));
        Assert.True(sequence.Accept(Event("e1", 2), out var second));

        Assert.Null(first);
        Assert.Null(second);
        Assert.Equal(2, sequence.LastSequence);
        Assert.Equal("e1", sequence.Epoch);
    }

    [Fact]
    public void Accept_FirstEventLive_NoNoticeWhateverItsSequence()
    {
        var sequence = new EventSequence();

        Assert.True(sequence.Accept(Event("e1", 41), out var notice));

        Assert.Null(notice);
        Assert.Equal(41, sequence.LastSequence);
    }

    [Fact]
    public void Accept_SkippedSequences_MissedNamesTheRange()
    {
        var sequence = new EventSequence(3, "e1");

        Assert.True(sequence.Accept(Event("e1", 6), out var notice));

        Assert.Equal(new Notice.Missed(4, 5), notice);
        Assert.Equal(6, sequence.LastSequence);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(4)]
    [InlineData(1)]
    public void Accept_AlreadySeenInTheSameEpoch_DuplicateSkippedPositionKept(long seen)
    {
        var sequence = new EventSequence(5, "e1");

        Assert.False(sequence.Accept(Event("e1", seen), out var notice));

        Assert.Null(notice);
        Assert.Equal(5, sequence.LastSequence);
        Assert.Equal("e1", sequence.Epoch);
    }

    [Fact]
    public void Accept_NewEpoch_HistoryRestartedAndSequencesStartAfresh()
    {
        var sequence = new EventSequence(900, "e1");

        Assert.True(sequence.Accept(Event("e2", 1), out var restarted));
        Assert.True(sequence.Accept(Event("e2", 2), out var next));

        Assert.Equal(new Notice.HistoryRestarted("e2"), restarted);
        Assert.Null(next);
        Assert.Equal(2, sequence.LastSequence);
        Assert.Equal("e2", sequence.Epoch);
    }

    [Fact]
    public void Accept_FromWithoutEpoch_GapAfterFromIsMissedAndTheEpochIsLearnt()
    {
        // --from 3: the epoch is not known, so only the number can be compared.
        var sequence = new EventSequence(3);

        Assert.True(sequence.Accept(Event("e1", 7), out var notice));

        Assert.Equal(new Notice.Missed(4, 6), notice);
        Assert.Equal("e1", sequence.Epoch);
        Assert.False(sequence.Accept(Event("e1", 7), out _));
    }

    [Fact]
    public void Accept_FromWithoutEpoch_NextEventNoNotice()
    {
        var sequence = new EventSequence(3);

        Assert.True(sequence.Accept(Event("e1", 4), out var notice));

        Assert.Null(notice);
    }

    [Fact]
    public void StartAt_LiveNothingSeen_ResumesFromTheRegisteredPosition()
    {
        var sequence = new EventSequence();

        sequence.StartAt("e1", 12);

        Assert.Equal(12, sequence.LastSequence);
        Assert.Equal("e1", sequence.Epoch);
    }

    [Theory]
    [InlineData(5, 10, 5)]
    [InlineData(15, 10, 10)]
    public void StartAt_FromGiven_KeptUnlessBeyondTheRoomsLastEvent(long from, long registered, long expected)
    {
        var sequence = new EventSequence(from);

        sequence.StartAt("e1", registered);

        Assert.Equal(expected, sequence.LastSequence);
    }

    [Fact]
    public void StartAt_EpochKnown_ChangesNothing()
    {
        var sequence = new EventSequence();
        sequence.Accept(Event("e1", 8), out _);

        sequence.StartAt("e2", 100);

        Assert.Equal(8, sequence.LastSequence);
        Assert.Equal("e1", sequence.Epoch);
    }

    [Fact]
    public void StartAt_ThenEvents_ReplayedOnesAreDuplicatesAndAGapIsMissed()
    {
        var sequence = new EventSequence();
        sequence.StartAt("e1", 12);

        Assert.False(sequence.Accept(Event("e1", 12), out _));
        Assert.True(sequence.Accept(Event("e1", 14), out var notice));

        Assert.Equal(new Notice.Missed(13, 13), notice);
    }

    private static ChatEvent Event(string epoch, long sequence) =>
        new() { Kind = ChatEvent.Types.Kind.Message, Epoch = epoch, Sequence = sequence, Sender = "ann", Text = "x" };
}
