using System.Runtime.InteropServices;

namespace StreamingGreeter.Tests;

/// <summary>Sends POSIX signals, as Ctrl+C (SIGINT) and a service manager (SIGTERM) do.</summary>
public static class Signals
{
    public const int Interrupt = 2;
    public const int Terminate = 15;

    public static void Send(int processId, int signal)
    {
        if (kill(processId, signal) != 0)
        {
            throw new InvalidOperationException($"kill({processId}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
