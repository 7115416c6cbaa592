using System.Globalization;
using System.Text;

namespace StreamingGreeter.AspNetCore.Services;

/// <summary>
/// Builds SayHelloToMany's reply while names stream in, keeping only the few names the reply can show, so a call
/// with a million names holds no more than a handful of them.
/// </summary>
internal sealed class ManyGreeting
{
    /// <summary>The reply's size limit, in UTF-8 bytes.</summary>
    public const int MaxBytes = 1024;

    /// <summary>When the names do not all fit, this many are named and the rest counted.</summary>
    private const int NamedWhenTruncated = 3;

    private readonly List<string> _kept = [];
    private int _keptBytes;
    private bool _allKept = true;

    public int Count { get; private set; }

    public void Add(string name)
    {
        Count++;
        if (!_allKept)
        {
            return;
        }

        var bytes = Encoding.UTF8.GetByteCount(name) + 2;
        if (_keptBytes + bytes > MaxBytes)
        {
            _allKept = false;
            return;
        }

        _kept.Add(name);
        _keptBytes += bytes;
    }

    public string Compose()
    {
        if (_allKept)
        {
            var all = Join(_kept.Count, others: 0);
            if (Encoding.UTF8.GetByteCount(all) <= MaxBytes)
            {
                return all;
            }
        }

        for (var named = Math.Min(NamedWhenTruncated, _kept.Count); named > 0; named--)
        {
            var message = Join(named, Count - named);
            if (Encoding.UTF8.GetByteCount(message) <= MaxBytes)
            {
                return message;
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"Hello, {Count:N0} friends");
    }

    private string Join(int named, int others)
    {
        var builder = new StringBuilder("Hello, ");
        var listed = others > 0 ? named : named - 1;
        for (var i = 0; i < listed; i++)
        {
            builder.Append(_kept[i]);
            if (i < listed - 1)
            {
                builder.Append(", ");
            }
        }

        if (others > 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $" and {others:N0} {(others == 1 ? "other" : "others")}");
        }
        else if (named > 1)
        {
            builder.Append(" and ").Append(_kept[named - 1]);
        }
        else
        {
            builder.Append(_kept[0]);
        }

        return builder.ToString();
    }
}
