import Foundation
import Logging
import SQLKit

/// Disables an endpoint once (a 410 from its receiver, or deliveries that ran out of attempts): records why, audits
/// it and announces it to its owner with a `webhook.disabled` event in the same transaction.
struct WebhookDisabler: Sendable {
    let store: WebhookStore
    let database: DocketDatabase
    let outbox: EventOutbox
    let audit: AuditLog

    /// The data of `webhook.disabled`.
    private struct Disabled: Encodable {
        let webhookID: String
        let url: String
        let reason: String

        enum CodingKeys: String, CodingKey {
            case url, reason
            case webhookID = "webhook_id"
        }
    }

    /// Disables `hook`; `guardedBy` runs first in the same transaction (a job checking that its lease still holds) and
    /// undoes everything by throwing.
    func disable(
        _ hook: WebhookRecord, reason: String, logger: Logger, guardedBy check: @escaping @Sendable (any SQLDatabase) async throws -> Void = { _ in }
    ) async throws {
        let disabled = try await database.transaction(logger: logger) { sql in
            try await check(sql)
            guard try await store.disable(hook.id, reason: reason, now: Microseconds.now(), on: sql) else { return false }
            let event = try PendingEvent(
                .webhookDisabled, subject: "webhooks/\(hook.id.lowercased)",
                data: Disabled(webhookID: hook.id.lowercased, url: hook.url, reason: reason))
            try await outbox.append(event, owner: hook.userID, source: .system, on: sql)
            return true
        }
        guard disabled else { return }
        outbox.committed(hook.userID)
        await audit.record(
            .webhookDisabled, userID: hook.userID, origin: RequestOrigin(ip: nil, userAgent: nil, requestID: nil),
            details: "webhook \(hook.id.lowercased): \(reason)", logger: logger)
        logger.warning("webhook disabled", metadata: ["webhook_id": .string(hook.id.lowercased), "reason": .string(reason)])
    }
}
