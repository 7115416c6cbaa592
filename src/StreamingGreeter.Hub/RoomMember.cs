namespace StreamingGreeter.Hub;

/// <summary>
/// One member of a room as its presence reports it: every subscription that joined under <paramref name="Sender"/> with
/// <paramref name="Identity"/> (see <see cref="SubscribeOptions.Member"/> and <see cref="SubscribeOptions.Identity"/>).
/// </summary>
/// <param name="Sender">The name it joined under.</param>
/// <param name="Identity">Who it is, as the caller said (<see cref="SubscribeOptions.Identity"/>); empty when not known.</param>
/// <param name="Connections">How many of its subscriptions are in the room.</param>
/// <param name="JoinedTime">When the earliest of them joined.</param>
public sealed record RoomMember(string Sender, string Identity, int Connections, DateTimeOffset JoinedTime);
