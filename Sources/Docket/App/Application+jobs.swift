import Foundation
import Logging
import ServiceLifecycle

/// This node's job worker with every job handler, unless `DOCKET_JOB_CONCURRENCY` is 0 (then other nodes run the jobs).
func jobWorkers(
    config: DocketConfig, database: DocketDatabase, mailer: any Mailer, signal: WakeSignal, gate: StartGate, events: EventComponents,
    broker: (any EventBroker)? = nil, metrics: DocketMetrics, accountChanged: @escaping @Sendable (UUID) -> Void = { _ in },
    exportLinks: ExportLinks? = nil, logger: Logger
) throws -> [any Service] {
    guard config.jobs.concurrency > 0 else { return [] }
    let tasks = TaskStore(database: database, metrics: metrics)
    let outbox = events.outbox
    var sagaKinds: [String: any SagaDefinition] = [
        AccountDeletionSaga.kind: AccountDeletionSaga(batchSize: config.jobs.batchSize, maxAttempts: config.jobs.maxAttempts, broker: broker)
    ]
    if let exportLinks {
        sagaKinds[DataExportSaga.kind] = DataExportSaga(links: exportLinks, outbox: outbox, maxAttempts: config.jobs.maxAttempts)
    }
    return [
        JobWorker(
            store: JobStore(database: database), database: database,
            handlers: taskJobHandlers(config: config, store: tasks, outbox: outbox) + [
                try events.deliveryJob(database: database, audit: AuditLog(database: database)),
                SagaRunner(
                    store: SagaStore(database: database),
                    definitions: sagaKinds,
                    accountChanged: accountChanged, eventsCommitted: { id in outbox.committed(id) }, faults: config.jobs.sagaFaults),
                NoticeEmailJob(mailer: mailer),
                AccountEmailJob(
                    users: UserStore(database: database), oneTimeTokens: OneTimeTokenStore(database: database), mailer: mailer,
                    audit: AuditLog(database: database), publicURL: config.publicURL, verificationLifetime: config.auth.emailTokenTTL,
                    resetLifetime: config.auth.resetTokenTTL),
            ],
            signal: signal, gate: gate, settings: config.jobs, metrics: metrics, logger: logger,
            stepCommitted: { job in if let owner = job.userID { outbox.committed(owner) } })
    ]
}

/// The handlers of an account's own task jobs (bulk updates and imports): the server's worker runs them for everyone,
/// `docket mcp`'s for its one account.
func taskJobHandlers(config: DocketConfig, store: TaskStore, outbox: EventOutbox) -> [any JobHandler] {
    [
        BulkUpdateTasksJob(store: store, outbox: outbox, batchSize: config.jobs.batchSize),
        ImportTasksJob(store: store, outbox: outbox, quota: TaskQuota(maxTasks: config.auth.maxTasksPerUser), batchSize: config.jobs.batchSize),
    ]
}
