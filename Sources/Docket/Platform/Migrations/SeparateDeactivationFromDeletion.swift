import FluentKit
import SQLKit

/// Two account states that used to share `deleted_at`: `deactivated_at` is an admin's (or the operator's) deactivation,
/// `deleted_at` now only marks a deletion the owner asked for. An account inactive without a deletion under way was
/// deactivated, so its mark moves.
struct SeparateDeactivationFromDeletion: AsyncMigration {
    var name: String { "2026-12-07-separate-deactivation-from-deletion" }

    func prepare(on database: any Database) async throws {
        try await database.schema("users").field("deactivated_at", .datetime).update()
        try await (database as! any SQLDatabase).raw(
            """
            UPDATE users SET deactivated_at = deleted_at, deleted_at = NULL
            WHERE deleted_at IS NOT NULL AND id NOT IN (
                SELECT user_id FROM sagas WHERE kind = 'account_deletion' AND state NOT IN ('completed', 'compensated'))
            """
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw(
            "UPDATE users SET deleted_at = deactivated_at WHERE deleted_at IS NULL AND deactivated_at IS NOT NULL"
        ).run()
        try await database.schema("users").deleteField("deactivated_at").update()
    }
}
