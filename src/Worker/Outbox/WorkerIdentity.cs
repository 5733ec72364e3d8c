using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.Worker.Outbox;

/// <summary>This process's name in leases and heartbeats: host, pid and a random suffix (a restarted Worker with a
/// recycled pid must not inherit the leases of the one that died).</summary>
public sealed class WorkerIdentity(IOptions<OutboxOptions> options)
{
    public string Id { get; } = options.Value.WorkerId is { Length: > 0 } configured
        ? configured
        : $"{Environment.MachineName}-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
}
