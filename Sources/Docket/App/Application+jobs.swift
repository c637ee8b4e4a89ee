import Logging
import ServiceLifecycle

/// This node's job worker with every job handler, unless `DOCKET_JOB_CONCURRENCY` is 0 (then other nodes run the jobs).
func jobWorkers(
    config: DocketConfig, database: DocketDatabase, signal: WakeSignal, gate: StartGate, events: EventComponents, metrics: DocketMetrics,
    logger: Logger
) throws -> [any Service] {
    guard config.jobs.concurrency > 0 else { return [] }
    let tasks = TaskStore(database: database, metrics: metrics)
    let outbox = events.outbox
    return [
        JobWorker(
            store: JobStore(database: database), database: database,
            handlers: [
                BulkUpdateTasksJob(store: tasks, outbox: outbox, batchSize: config.jobs.batchSize),
                ImportTasksJob(store: tasks, outbox: outbox, batchSize: config.jobs.batchSize),
                try events.deliveryJob(database: database, audit: AuditLog(database: database)),
            ],
            signal: signal, gate: gate, settings: config.jobs, metrics: metrics, logger: logger,
            stepCommitted: { job in if let owner = job.userID { outbox.committed(owner) } })
    ]
}
