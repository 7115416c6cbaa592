using System.Runtime.CompilerServices;
using System.Text;

namespace StreamingGreeter.Client.Input;

/// <summary>Standard input, one line at a time, as it arrives: never read whole before the first line is used.</summary>
internal static class StandardInput
{
    public static async IAsyncEnumerable<string> ReadLinesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            yield return line;
        }
    }
}
