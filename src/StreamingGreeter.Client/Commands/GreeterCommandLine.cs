using System.CommandLine;

namespace StreamingGreeter.Client.Commands;

/// <summary>The command line: <c>greeter COMMAND [options]</c>, one command per call of the Greeter service.</summary>
internal static class GreeterCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("A console client for the StreamingGreeter gRPC server: greetings and chat rooms.");
        CommonOptions.AddTo(root);
        root.Subcommands.Add(HelloCommand.Create());
        root.Subcommands.Add(StreamCommand.Create());
        root.Subcommands.Add(ManyCommand.Create());
        root.Subcommands.Add(ChatCommand.Create());
        root.Subcommands.Add(SubscribeCommand.Create());
        root.Subcommands.Add(PublishCommand.Create());
        root.Subcommands.Add(WhoCommand.Create());
        root.Subcommands.Add(LoadCommand.Create());
        root.Subcommands.Add(TokenCommand.Create());
        return root;
    }
}
