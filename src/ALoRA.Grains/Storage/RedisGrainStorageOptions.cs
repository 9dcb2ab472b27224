namespace ALoRA.Grains.Storage;

/// <summary>Settings of a <see cref="RedisGrainStorage"/> (named after the storage provider).</summary>
public sealed class RedisGrainStorageOptions
{
    /// <summary>
    /// StackExchange.Redis connection string (<c>host:6379,password=...,ssl=true</c>). Required; no default. The silo
    /// sets it from <c>Alora:Silo:RedisConnectionString</c>.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Prefix of every key: a state lives at <c>&lt;prefix&gt;/&lt;state name&gt;/&lt;grain type&gt;/&lt;grain key&gt;</c>.
    /// Non-empty. Default <c>alora/state</c>; the silo uses <c>&lt;ServiceId&gt;/state</c>, so services sharing one Redis
    /// keep apart.
    /// </summary>
    public string KeyPrefix { get; set; } = "alora/state";
}
