using MultichannelMessages.Worker.Loops;

namespace MultichannelMessages.Worker.Outbox;

/// <summary>The outbox pump's wake-up: signalled by a NOTIFY on 'outbox' (see <see cref="OutboxListener"/>).</summary>
public sealed class OutboxWakeup : Wakeup;
