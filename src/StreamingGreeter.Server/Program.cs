using Microsoft.Extensions.Options;
using Serilog;
using StreamingGreeter.Server.Hosting;

// Start-up failures happen before the host's own logger exists (it is configured from appsettings); they go here.
Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateLogger();
try
{
    var app = GreeterHost.Build(args);
    // The options checked at start, checked here first: the host would log their failure with a stack trace.
    app.Services.GetService<IStartupValidator>()?.Validate();
    await app.RunAsync();
    return 0;
}
catch (Exception error) when (OptionsFailures.Of(error) is { } failures)
{
    // A setting out of range is the operator's to fix: the key, its value and the rule say all, a stack trace nothing.
    foreach (var failure in failures)
    {
        Log.Fatal("StreamingGreeter failed to start: {Failure:l}", failure);
    }

    return 1;
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
