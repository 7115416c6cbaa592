using System.Collections.Concurrent;

namespace StreamingGreeter.AspNetCore.Internal;

/// <summary>A count per key, each held to a limit; a key has an entry only while its count is above zero.</summary>
internal sealed class KeyedCounts<TKey>(IEqualityComparer<TKey>? comparer = null)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, int> _counts = new(comparer);

    /// <summary>Keys counted now.</summary>
    public int Keys => _counts.Count;

    /// <summary>Counts one more for <paramref name="key"/>, or returns false when it is at <paramref name="limit"/>.</summary>
    public bool TryEnter(TKey key, int limit)
    {
        while (true)
        {
            if (_counts.TryGetValue(key, out var count))
            {
                if (count >= limit)
                {
                    return false;
                }

                if (_counts.TryUpdate(key, count + 1, count))
                {
                    return true;
                }
            }
            else if (_counts.TryAdd(key, 1))
            {
                return true;
            }
        }
    }

    public void Exit(TKey key)
    {
        while (_counts.TryGetValue(key, out var count))
        {
            var done = count == 1
                ? _counts.TryRemove(new KeyValuePair<TKey, int>(key, 1))
                : _counts.TryUpdate(key, count - 1, count);
            if (done)
            {
                return;
            }
        }
    }
}
