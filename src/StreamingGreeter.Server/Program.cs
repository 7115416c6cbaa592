using Serilog;
using StreamingGreeter.Server.Hosting;

// Until configuration is read, log start-up failures to the console.
Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateBootstrapLogger();
try
{
    await GreeterHost.Build(args).RunAsync();
    return 0;
}
catch (Exception error) when (error is not HostAbortedException)
{
    Log.Fatal(error, "StreamingGreeter failed to start");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
