import FluentKit
import Foundation
import Logging
import SQLKit

/// Bulk-loads synthetic tasks for benchmarks and capacity tests, in batched transactions (far faster than the API).
public struct TaskSeeder: Sendable {
    let config: DocketConfig
    let database: DocketDatabase
    let logger: Logger

    /// A seeder writing into `database`.
    public init(config: DocketConfig, database: DocketDatabase, logger: Logger) {
        self.config = config
        self.database = database
        self.logger = logger
    }

    /// Ensures an account with `email`/`password` exists and gives it `count` more tasks; returns the account id.
    @discardableResult
    public func seed(email: String, password: String, count: Int, batchSize: Int = 500) async throws -> UUID {
        let owner = try await ensureUser(email: email, password: password)
        var inserted = 0
        let start = Microseconds.now() - Int64(count) * 1000
        while inserted < count {
            let size = min(batchSize, count - inserted)
            let records = (0..<size).map { offset in
                Self.record(owner: owner, index: inserted + offset, createdAt: start + Int64(inserted + offset) * 1000)
            }
            try await database.transaction(logger: logger) { sql in
                try await sql.insert(into: "tasks").models(records, nilEncodingStrategy: .asNil).run()
                try await TaskStore.adjustCount(of: owner, by: records.count, on: sql)
            }
            inserted += size
        }
        return owner
    }

    private func ensureUser(email: String, password: String) async throws -> UUID {
        try await AdminTasks(config: config, database: database, logger: logger).ensureUser(email: email, name: "Seeded", password: password)
    }

    /// A deterministic, varied task: statuses, priorities and due dates cycle; every fifth has no due date.
    static func record(owner: UUID, index: Int, createdAt: Int64) -> TaskRecord {
        let statuses = TaskStatus.allCases
        let priorities = TaskPriority.allCases
        let status = statuses[index % statuses.count]
        var record = TaskRecord(
            id: UUID(), userID: owner, title: "Seeded task \(index)", description: index % 3 == 0 ? "Notes for task \(index)" : nil,
            status: status, priority: priorities[(index / 3) % priorities.count], priorityRank: 0,
            dueDate: index % 5 == 0 ? nil : String(format: "20%02d-%02d-%02d", 26 + index % 4, index % 12 + 1, index % 28 + 1),
            dueAsc: "", dueDesc: "", completedAt: status == .done ? createdAt : nil, createdAt: createdAt, updatedAt: createdAt, version: 1)
        record.refreshSortKeys()
        return record
    }
}
