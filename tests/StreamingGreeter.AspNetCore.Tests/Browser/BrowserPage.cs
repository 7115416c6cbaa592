using System.Runtime.CompilerServices;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace StreamingGreeter.AspNetCore.Tests.Browser;

/// <summary>The Greeter's page in a headless Chromium: what it shows, read from the DOM, and its forms, used as a person would.</summary>
public sealed class BrowserPage : IDisposable
{
    private readonly ChromeDriver _driver;
    private readonly ChromeDriverService _service;
    private readonly DirectoryInfo _profile;

    internal BrowserPage(ChromeDriver driver, ChromeDriverService service, DirectoryInfo profile)
    {
        _driver = driver;
        _service = service;
        _profile = profile;
        // Bounds each page load and script; waits on the DOM are bounded by WaitUntil.
        _driver.Manage().Timeouts().PageLoad = TimeoutExtensions.Timeout;
        _driver.Manage().Timeouts().AsynchronousJavaScript = TimeoutExtensions.Timeout;
    }

    /// <summary>Opens the page of <paramref name="server"/>, joining <paramref name="room"/>.</summary>
    public void Open(Uri server, string room) => _driver.Navigate().GoToUrl(new Uri(server, "/?room=" + Uri.EscapeDataString(room)));

    /// <summary>Goes to a blank page: the page's stream closes, its localStorage stays.</summary>
    public void Leave() => _driver.Navigate().GoToUrl("about:blank");

    /// <summary>The room's messages the page shows, in order, as "sequence sender: text".</summary>
    public IReadOnlyList<string> Messages() => Strings(
        "return [...document.querySelectorAll('#events li.event.message')]" +
        ".map(li => li.dataset.sequence + ' ' + li.dataset.sender + ': ' + li.querySelector('.text').textContent);");

    /// <summary>The notices the page shows (resume, gap, epoch, error), as "kind: text".</summary>
    public IReadOnlyList<string> Notices() => Strings(
        "return [...document.querySelectorAll('#events li.notice:not(.event)')]" +
        ".map(li => li.className.replace('notice ', '') + ': ' + li.textContent);");

    /// <summary>Events the page received a second time and did not show again.</summary>
    public int Duplicates => int.Parse(_driver.FindElement(By.Id("events")).GetDomAttribute("data-duplicates") ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The status line's state: connecting, open, reconnecting or closed.</summary>
    public string State => _driver.FindElement(By.Id("status")).GetDomAttribute("data-state") ?? "";

    /// <summary>Types a message and sends it with the page's form, as its user would.</summary>
    public void Publish(string sender, string text)
    {
        var name = _driver.FindElement(By.Id("sender"));
        name.Clear();
        name.SendKeys(sender);
        var message = _driver.FindElement(By.Id("text"));
        message.Clear();
        message.SendKeys(text);
        _driver.FindElement(By.Id("send")).Click();
    }

    public string PublishStatus => _driver.FindElement(By.Id("publish-status")).Text;

    /// <summary>Waits, bounded, until the page's DOM satisfies <paramref name="condition"/>; the failure says what it showed.</summary>
    public void WaitUntil(Func<BrowserPage, bool> condition, string what, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var wait = new WebDriverWait(_driver, TimeoutExtensions.Timeout) { PollingInterval = TimeSpan.FromMilliseconds(50) };
        try
        {
            wait.Until(_ => condition(this));
        }
        catch (WebDriverTimeoutException error)
        {
            throw new TimeoutException(
                $"Timed out after {TimeoutExtensions.Timeout.TotalSeconds:0} s at {Path.GetFileName(file)}:{line} waiting for {what}; " +
                $"the page is {State} and shows [{string.Join(" | ", Messages())}], notices [{string.Join(" | ", Notices())}]",
                error);
        }
    }

    public void Dispose()
    {
        try
        {
            _driver.Quit();
        }
        finally
        {
            _driver.Dispose();
            _service.Dispose();
            try
            {
                _profile.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Chromium's last writes can race the deletion; the temp folder is only litter then.
            }
        }
    }

    private IReadOnlyList<string> Strings(string script) =>
        ((IEnumerable<object>?)_driver.ExecuteScript(script) ?? []).Select(static item => item.ToString() ?? "").ToList();
}
