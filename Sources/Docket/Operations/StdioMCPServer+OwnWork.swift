import Foundation
import ServiceLifecycle

extension StdioMCPServer {
    /// Refuses a database whose schema is not exactly this build's: `docket mcp` never migrates (it runs as a user's
    /// agent, not as the operator), so it names the command that does.
    func checkSchema() async throws {
        try await database.configureConnections()
        let pending = try await database.pendingMigrations()
        guard pending.isEmpty else {
            throw AdminTaskError(
                "the database schema is older than this docket (\(pending.count) migration(s) pending, first \(pending[0])); "
                    + "run `docket migrate up` (or start `docket serve`) first")
        }
        let unknown = try await database.unknownAppliedMigrations()
        guard unknown.isEmpty else {
            throw AdminTaskError(
                "the database schema is newer than this docket (applied: \(unknown.joined(separator: ", "))); run the docket "
                    + "version that migrated it")
        }
    }

    /// The job worker of this process: `owner`'s own task jobs (bulk updates and imports) only.
    func ownJobWorkers(
        of owner: UUID, store: TaskStore, events: EventComponents, signal: WakeSignal, gate: StartGate, metrics: DocketMetrics
    ) -> [any Service] {
        guard config.jobs.concurrency > 0 else { return [] }
        let outbox = events.outbox
        return [
            JobWorker(
                store: JobStore(database: database), database: database,
                handlers: taskJobHandlers(config: config, store: store, outbox: outbox),
                signal: signal, gate: gate, settings: config.jobs, metrics: metrics, logger: logger, owner: owner,
                stepCommitted: { job in if let owner = job.userID { outbox.committed(owner) } })
        ]
    }
}
