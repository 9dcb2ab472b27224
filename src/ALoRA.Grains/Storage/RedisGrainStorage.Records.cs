using System.Text;
using StackExchange.Redis;

namespace ALoRA.Grains.Storage;

/// <summary>Listing records and setting one aside (<see cref="IStoredGrainRecords"/>): <c>SCAN</c> of a key prefix, <c>RENAMENX</c>.</summary>
public sealed partial class RedisGrainStorage : IStoredGrainRecords
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListKeysAsync(string stateName, string grainType, CancellationToken cancellationToken)
    {
        var prefix = $"{KeyPrefix}/{stateName}/{grainType}/";
        var pattern = new StringBuilder();
        foreach (var c in prefix)
        {
            pattern.Append(c is '*' or '?' or '[' or ']' or '\\' ? "\\" : "").Append(c);
        }

        pattern.Append('*');
        var connection = await _connection.Value.ConfigureAwait(false);
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var server in connection.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: pattern.ToString(), pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var name = (string)key!;
                if (name.Length > prefix.Length && !name.AsSpan(prefix.Length).Contains('/'))
                {
                    keys.Add(name[prefix.Length..]);
                }
            }
        }

        return [.. keys];
    }

    /// <inheritdoc />
    public async Task<string?> SetAsideAsync(string stateName, GrainId grainId, string suffix, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(suffix);
        var key = Key(stateName, grainId);
        var target = key + suffix;
        var database = await DatabaseAsync().ConfigureAwait(false);
        if (!await database.KeyExistsAsync(key).ConfigureAwait(false))
        {
            return null;
        }

        if (!await database.KeyRenameAsync(key, target, When.NotExists).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"{Where(key)} could not be set aside as '{target}' (that key exists)");
        }

        return target;
    }
}
