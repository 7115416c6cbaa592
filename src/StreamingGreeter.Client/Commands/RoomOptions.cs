using System.CommandLine;

namespace StreamingGreeter.Client.Commands;

/// <summary>Options that name a room and a person, shared by chat, subscribe and publish.</summary>
internal static class RoomOptions
{
    public static Option<string> Room() => new("--room", "-r")
    {
        Description = "The room, matching ^[A-Za-z0-9._:-]{1,64}$",
        HelpName = "ROOM",
        Required = true,
    };

    public static Option<string> Name(string description, bool required) => new("--name")
    {
        Description = description,
        HelpName = "NAME",
        Required = required,
    };
}
