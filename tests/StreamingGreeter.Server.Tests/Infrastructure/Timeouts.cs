namespace StreamingGreeter.Server.Tests.Infrastructure;

/// <summary>Whole-test limits, in milliseconds, for [Fact(Timeout = …)].</summary>
public static class Timeouts
{
    public const int Test = 30_000;
    public const int LongTest = 60_000;
}
