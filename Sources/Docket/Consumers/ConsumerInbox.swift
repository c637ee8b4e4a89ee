import Foundation
import SQLKit

/// A consumer's inbox (`consumer_inbox`): the ids of the events it has processed (or an operator dropped), so that
/// nothing applies them again.
enum ConsumerInbox {
    /// Records `messageID` for `consumer` through `sql`; returns false when it was there already.
    static func record(_ messageID: String, consumer: String, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw(
            """
            INSERT INTO consumer_inbox (consumer, message_id, processed_at)
            VALUES (\(bind: consumer), \(bind: messageID), \(bind: Microseconds.now()))
            ON CONFLICT (consumer, message_id) DO NOTHING RETURNING message_id
            """
        ).first() != nil
    }
}
