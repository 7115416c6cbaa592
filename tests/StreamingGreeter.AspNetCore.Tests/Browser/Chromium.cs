using System.Runtime.InteropServices;
using OpenQA.Selenium.Chrome;

namespace StreamingGreeter.AspNetCore.Tests.Browser;

/// <summary>
/// Debian's headless Chromium and its chromedriver (apt-get install chromium chromium-driver), named by path so that
/// Selenium never looks for, or downloads, a browser or driver of its own. Without them a test is skipped on a
/// developer's machine and fails in CI, where the environment must provide them.
/// </summary>
public static class Chromium
{
    public const string Binary = "/usr/bin/chromium";
    public const string DriverDirectory = "/usr/bin";
    public const string DriverName = "chromedriver";

    public static void RequirePrerequisites()
    {
        if (File.Exists(Binary) && File.Exists(Path.Combine(DriverDirectory, DriverName)))
        {
            return;
        }

        var message = $"missing prerequisites; install the Debian packages: apt-get install chromium chromium-driver ({Binary} and {DriverDirectory}/{DriverName})";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Skip.If(true, message);
    }

    /// <summary>A new browser with a profile of its own (its own localStorage), deleted when it is disposed.</summary>
    public static BrowserPage Start()
    {
        var profile = Directory.CreateTempSubdirectory("greeter-chromium-");
        var options = new ChromeOptions { BinaryLocation = Binary };
        options.AddArguments(
            "--headless=new",
            "--user-data-dir=" + profile.FullName,
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--window-size=1000,800");
        if (geteuid() == 0)
        {
            // Chromium refuses to start its sandbox as root (CI runs as root); the pages it opens are the test's own.
            options.AddArgument("--no-sandbox");
        }

        var service = ChromeDriverService.CreateDefaultService(DriverDirectory, DriverName);
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        try
        {
            return new BrowserPage(new ChromeDriver(service, options, TimeoutExtensions.Timeout), service, profile);
        }
        catch
        {
            service.Dispose();
            profile.Delete(recursive: true);
            throw;
        }
    }

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint geteuid();
}
