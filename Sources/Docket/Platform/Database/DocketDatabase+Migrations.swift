import FluentKit
import Logging
import SQLKit

extension DocketDatabase {
    private var migrator: Migrator {
        Migrator(databases: databases, migrations: migrations, logger: logger, on: eventLoopGroup.any(), migrationLogLevel: .debug)
    }

    private var migrationLock: MigrationLock { MigrationLock(location: location, logger: logger) }

    /// Applies every pending migration as one batch; returns the names applied. Processes migrating the same
    /// PostgreSQL database at once take turns (the later ones find nothing pending).
    @discardableResult
    public func migrateUp() async throws -> [String] {
        try await configureConnections()
        return try await migrationLock.withLock {
            try await migrator.setupIfNeeded().get()
            let pending = try await migrator.previewPrepareBatch().get().map { $0.0.name }
            try await migrator.prepareBatch().get()
            for name in pending { logger.info("migration applied", metadata: ["migration": .string(name)]) }
            return pending
        }
    }

    /// Reverts the most recent batch; returns the names reverted.
    @discardableResult
    public func migrateRevert() async throws -> [String] {
        try await migrationLock.withLock {
            try await migrator.setupIfNeeded().get()
            let reverting = try await migrator.previewRevertLastBatch().get().map { $0.0.name }
            try await migrator.revertLastBatch().get()
            for name in reverting { logger.info("migration reverted", metadata: ["migration": .string(name)]) }
            return reverting
        }
    }

    /// Every known migration in order, with the batch it was applied in.
    public func migrationStatus() async throws -> [MigrationState] {
        try await migrator.setupIfNeeded().get()
        let applied = try await MigrationLog.query(on: database(logger: logger)).all()
        let batchByName = Dictionary(applied.map { ($0.name, $0.batch) }, uniquingKeysWith: { first, _ in first })
        return DocketMigrations.all.map { MigrationState(name: $0.name, batch: batchByName[$0.name]) }
    }

    /// Names of applied migrations this build does not know (a newer Docket migrated the database), without creating
    /// anything.
    public func unknownAppliedMigrations() async throws -> [String] {
        let known = Set(DocketMigrations.all.map(\.name))
        let applied = (try? await MigrationLog.query(on: database(logger: logger)).all().map(\.name)) ?? []
        return applied.filter { !known.contains($0) }
    }

    /// Names of migrations not yet applied, without creating anything; throws when the database cannot be reached.
    public func pendingMigrations() async throws -> [String] {
        let db = database(logger: logger)
        try await (db as! any SQLDatabase).raw("SELECT 1").run()
        let applied = (try? await MigrationLog.query(on: db).all().map(\.name)) ?? []
        return DocketMigrations.all.map(\.name).filter { !applied.contains($0) }
    }
}
