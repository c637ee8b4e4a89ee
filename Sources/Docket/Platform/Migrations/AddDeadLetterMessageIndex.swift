import FluentKit
import SQLKit

/// Dead letters by consumer and message id: the missed-event sweep asks, for events not in a consumer's inbox, whether
/// they are among its dead letters.
struct AddDeadLetterMessageIndex: AsyncMigration {
    var name: String { "2026-12-07-dead-letters-by-message" }

    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("CREATE INDEX dead_letters_consumer_message ON dead_letters (consumer, message_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP INDEX dead_letters_consumer_message").run()
    }
}
