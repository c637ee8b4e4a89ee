import Foundation
import NIOPosix

/// The event machinery one process shares: the live feeds' hub, the outbox writing events with each change, the
/// webhook fan-out and the delivery job's parts.
struct EventComponents: Sendable {
    let hub: EventHub
    let store: EventStore
    let outbox: EventOutbox
    let webhookStore: WebhookStore
    let fanout: WebhookFanout
    let settings: EventSettings
    /// Woken on every commit: the relay's and the outbox consumers' signals.
    let relaySignal = WakeSignal()
    let consumerSignal = WakeSignal()
    /// The webhook resolver's own threads (started on first use).
    let resolverThreads = LazyThreadPool(threads: 4)

    init(config: DocketConfig, database: DocketDatabase, jobSignal: WakeSignal) {
        settings = config.events
        hub = EventHub(perUser: config.events.streamsPerUser, perNode: config.events.streamsPerNode, observers: [relaySignal, consumerSignal])
        store = EventStore(database: database)
        webhookStore = WebhookStore(database: database)
        fanout = WebhookFanout(store: webhookStore, jobs: JobStore(database: database), maxAttempts: config.events.webhookMaxAttempts)
        outbox = EventOutbox(hub: hub, webhooks: fanout, jobSignal: jobSignal, database: database)
    }

    /// The live feed over `store` and `hub`.
    var feed: EventFeed { EventFeed(store: store, hub: hub, outbox: outbox, settings: settings) }

    /// The SSRF guard.
    var policy: AddressPolicy { AddressPolicy(allowed: settings.webhookAllowedTargets) }

    /// The resolver webhooks use (the system's, off the event loops).
    var resolver: any AddressResolver { settings.hostResolver ?? HostResolver(threads: resolverThreads) }

    /// What disables a webhook and announces it.
    func disabler(database: DocketDatabase, audit: AuditLog) -> WebhookDisabler {
        WebhookDisabler(store: webhookStore, database: database, outbox: outbox, audit: audit)
    }

    /// What ends an account's personal access tokens and webhooks when its sign-ins are in doubt.
    func lockdown(database: DocketDatabase, audit: AuditLog) -> AccountLockdown {
        AccountLockdown(
            personalTokens: PersonalAccessTokenStore(database: database), webhooks: webhookStore,
            disabler: disabler(database: database, audit: audit))
    }

    /// The handler that delivers webhooks.
    func deliveryJob(database: DocketDatabase, audit: AuditLog) throws -> DeliverWebhookJob {
        DeliverWebhookJob(
            store: webhookStore, client: try WebhookClient(), resolver: resolver, policy: policy, timeout: settings.webhookTimeout,
            disabler: disabler(database: database, audit: audit),
            retrySchedule: settings.webhookRetry, userAgent: "Docket-Webhooks/\(DocketVersion.current)")
    }
}
