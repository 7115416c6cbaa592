namespace StreamingGreeter.Client.Tests.Units;

/// <summary>A random source that always draws the same number, so a jittered wait is known exactly.</summary>
internal sealed class FixedRandom(double value) : Random
{
    public override double NextDouble() => value;
}
