using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using StreamingGreeter.AspNetCore.Security;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>A call's expiry fires at its token's exp plus the skew, however far off, on the clock it was given.</summary>
public sealed class CallAccessExpiryTests
{
    private static readonly DateTimeOffset Start = new(2040, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    [Fact]
    public void WatchExpiry_SeveralTimersAway_ExpiresAtExpPlusSkewNotBefore()
    {
        var clock = new FakeTimeProvider(Start);
        using var access = Access(Start.AddDays(150));
        access.WatchExpiry(Skew, clock);

        clock.Advance(TimeSpan.FromDays(150) + Skew - TimeSpan.FromMilliseconds(1));
        var before = access.HasExpired;
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.False(before);
        Assert.True(access.HasExpired);
        Assert.True(access.Expired.IsCancellationRequested);
    }

    [Fact]
    public void WatchExpiry_ClockJumpsPastExpiryInOneGo_Expires()
    {
        var clock = new FakeTimeProvider(Start);
        using var access = Access(Start.AddDays(60));
        access.WatchExpiry(Skew, clock);

        clock.Advance(TimeSpan.FromDays(400));

        Assert.True(access.HasExpired);
    }

    [Fact]
    public void WatchExpiry_ExpAtTheEndOfTheCalendar_NeverExpiresAndDoesNotThrow()
    {
        var clock = new FakeTimeProvider(Start);
        using var access = Access(DateTimeOffset.MaxValue.AddSeconds(-1));
        access.WatchExpiry(Skew, clock);

        clock.Advance(TimeSpan.FromDays(100));

        Assert.False(access.HasExpired);
    }

    [Fact]
    public void Dispose_WatchingFarExpiry_ClockPassingExpiryLaterIsHarmless()
    {
        var clock = new FakeTimeProvider(Start);
        var access = Access(Start.AddDays(60));
        access.WatchExpiry(Skew, clock);
        clock.Advance(TimeSpan.FromDays(50));

        access.Dispose();
        clock.Advance(TimeSpan.FromDays(20));

        Assert.False(access.HasExpired);
    }

    private static CallAccess Access(DateTimeOffset expires) =>
        CallAccess.From(new JsonWebToken(new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { [TokenClaims.Name] = "ann" },
            Expires = expires.UtcDateTime,
        })));
}
