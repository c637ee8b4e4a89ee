import FluentKit
import SQLKit

/// At most one unfinished saga of each kind per account (one deletion, one export), enforced by the database: two
/// concurrent requests on PostgreSQL both pass the "none under way" check, and the index refuses the second insert.
struct AddOneUnfinishedSagaIndex: AsyncMigration {
    var name: String { "2026-12-07-one-unfinished-saga-per-kind" }

    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw(
            "CREATE UNIQUE INDEX sagas_one_unfinished ON sagas (user_id, kind) WHERE state NOT IN ('completed', 'compensated')"
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP INDEX sagas_one_unfinished").run()
    }
}
