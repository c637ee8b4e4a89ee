import Logging
import ServiceLifecycle

/// This node's job worker with every job handler, unless `DOCKET_JOB_CONCURRENCY` is 0 (then other nodes run the jobs).
func jobWorkers(
    config: DocketConfig, database: DocketDatabase, signal: JobSignal, gate: StartGate, metrics: DocketMetrics, logger: Logger
) -> [any Service] {
    guard config.jobs.concurrency > 0 else { return [] }
    let tasks = TaskStore(database: database, metrics: metrics)
    return [
        JobWorker(
            store: JobStore(database: database), database: database,
            handlers: [
                BulkUpdateTasksJob(store: tasks, batchSize: config.jobs.batchSize), ImportTasksJob(store: tasks, batchSize: config.jobs.batchSize),
            ],
            signal: signal, gate: gate, settings: config.jobs, metrics: metrics, logger: logger)
    ]
}
