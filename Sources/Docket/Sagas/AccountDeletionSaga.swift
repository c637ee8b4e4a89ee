import Foundation
import SQLKit

/// Deletes an account in steps: mark it deleting (no more sign-ins), revoke every credential, disable its webhooks,
/// sit out the grace period (the owner may restore the account until it ends), delete its tasks in batches, erase the
/// personal data from its audit rows (the security facts stay), queue a confirmation email, and delete the account.
/// Restoring undoes the first steps: sign-in and the webhooks it disabled come back; revoked tokens stay revoked.
struct AccountDeletionSaga: SagaDefinition {
    static let kind = "account_deletion"
    var kind: String { Self.kind }
    /// Tasks deleted per step.
    let batchSize: Int
    /// Attempts the confirmation email's job gets.
    let maxAttempts: Int
    /// The broker the account's events were published to, if any: its copies go last.
    var broker: (any EventBroker)?

    /// The steps' names, in order (what `GET /api/v1/sagas/{id}` reports).
    static let stepNames = [
        "mark_deleting", "revoke_credentials", "disable_webhooks", "grace_period", "delete_tasks", "erase_audit_personal_data",
        "send_confirmation", "delete_user", "erase_broker_messages",
    ]

    /// The index of the grace period step: the saga can be restored until it has passed.
    static let graceStep = 3
    var compensableThrough: Int { Self.graceStep }
    var changesAccount: Bool { true }

    /// What the steps record: the address to confirm to (erased with the account), the webhooks this saga disabled
    /// (only those come back on restore), the grace period and how many tasks were deleted.
    struct Facts: Codable, Sendable {
        var email: String?
        var graceSeconds: Int
        var disabledWebhooks: [UUID] = []
        var deletedTasks = 0
        /// The confirmation email's job (it stays until sent, then goes with the finished-job retention).
        var confirmationJob: UUID?
    }

    var steps: [SagaStep] {
        [
            SagaStep(Self.stepNames[0], undo: Self.unmarkDeleting, run: Self.markDeleting),
            SagaStep(Self.stepNames[1], run: Self.revokeCredentials),
            SagaStep(Self.stepNames[2], undo: Self.enableWebhooks, run: Self.disableWebhooks),
            SagaStep(Self.stepNames[3], run: Self.gracePeriod),
            SagaStep(Self.stepNames[4]) { [batchSize] saga, context in try await Self.deleteTasks(&saga, context, batchSize: batchSize) },
            SagaStep(Self.stepNames[5], run: Self.eraseAuditPersonalData),
            SagaStep(Self.stepNames[6]) { [maxAttempts] saga, context in
                try await Self.queueConfirmation(&saga, context, maxAttempts: maxAttempts)
            },
            SagaStep(Self.stepNames[7], run: Self.deleteUser),
            SagaStep(Self.stepNames[8]) { [broker] saga, _ in
                _ = try await broker?.erase(userID: saga.userID)
                return .done
            },
        ]
    }

    @Sendable private static func markDeleting(_ saga: inout SagaRecord, _ context: SagaStepContext) async throws -> SagaStepOutcome {
        let now = Date(timeIntervalSince1970: Double(context.now) / 1_000_000)
        try await context.sql.update("users").set("deleted_at", to: SQLBind(now)).set("updated_at", to: SQLBind(now))
            .where("id", .equal, SQLBind(saga.userID)).run()
        return .done
    }

    @Sendable private static func unmarkDeleting(_ saga: inout SagaRecord, _ context: SagaStepContext) async throws {
        let now = Date(timeIntervalSince1970: Double(context.now) / 1_000_000)
        try await context.sql.update("users").set("deleted_at", to: SQLLiteral.null).set("updated_at", to: SQLBind(now))
            .where("id", .equal, SQLBind(saga.userID)).run()
    }

    @Sendable private static func revokeCredentials(_ saga: inout SagaRecord, _ context: SagaStepContext) async throws -> SagaStepOutcome {
        let now = Date(timeIntervalSince1970: Double(context.now) / 1_000_000)
        for table in ["sessions", RefreshTokenModel.schema, PersonalAccessTokenModel.schema] {
            try await context.sql.update(table).set("revoked_at", to: SQLBind(now))
                .where("user_id", .equal, SQLBind(saga.userID)).where("revoked_at", .is, SQLLiteral.null).run()
        }
        try await context.sql.update("users").set("tokens_valid_after", to: SQLBind(now)).where("id", .equal, SQLBind(saga.userID)).run()
        return .done
    }

    @Sendable private static func disableWebhooks(_ saga: inout SagaRecord, _ context: SagaStepContext) async throws -> SagaStepOutcome {
        var facts = try saga.facts(Facts.self)
        let enabled = try await context.sql.select().column("id").from("webhooks").where("user_id", .equal, SQLBind(saga.userID))
            .where("enabled", .equal, SQLBind(true)).all().map { try $0.decode(column: "id", as: UUID.self) }
        if !enabled.isEmpty {
            try await context.sql.update("webhooks").set("enabled", to: SQLBind(false))
                .set("disabled_reason", to: SQLBind("account deletion requested")).set("updated_at", to: SQLBind(context.now))
                .where("id", .in, SQLBind.group(enabled)).run()
        }
        facts.disabledWebhooks += enabled
        try saga.record(facts)
        return .done
    }

    @Sendable private static func enableWebhooks(_ saga: inout SagaRecord, _ context: SagaStepContext) async throws {
        var facts = try saga.facts(Facts.self)
        if !facts.disabledWebhooks.isEmpty {
            try await context.sql.update("webhooks").set("enabled", to: SQLBind(true)).set("disabled_reason", to: SQLLiteral.null)
                .set("updated_at", to: SQLBind(context.now))
                .where("id", .in, SQLBind.group(facts.disabledWebhooks)).where("user_id", .equal, SQLBind(saga.userID)).run()
        }
        facts.disabledWebhooks = []
        try saga.record(facts)
    }

    @Sendable private static func gracePeriod(_ saga: inout SagaRecord, _ context: SagaStepContext) async throws -> SagaStepOutcome {
        let facts = try saga.facts(Facts.self)
        return .wait(until: saga.createdAt + Int64(facts.graceSeconds) * 1_000_000)
    }

    private static func deleteTasks(_ saga: inout SagaRecord, _ context: SagaStepContext, batchSize: Int) async throws -> SagaStepOutcome {
        var facts = try saga.facts(Facts.self)
        let deleted = try await context.sql.raw(
            """
            DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE user_id = \(bind: saga.userID) LIMIT \(bind: batchSize))
            RETURNING id
            """
        ).all().count
        facts.deletedTasks += deleted
        try saga.record(facts)
        return deleted < batchSize ? .done : .again
    }

    @Sendable private static func eraseAuditPersonalData(_ saga: inout SagaRecord, _ context: SagaStepContext) async throws -> SagaStepOutcome {
        // What happened and when stays (the security facts); where from, with what, and any free text goes.
        try await context.sql.update("audit_events").set("ip", to: SQLLiteral.null).set("user_agent", to: SQLLiteral.null)
            .set("details", to: SQLLiteral.null).set("aggregate_key", to: SQLLiteral.null)
            .where("user_id", .equal, SQLBind(saga.userID)).run()
        return .done
    }

    private static func queueConfirmation(_ saga: inout SagaRecord, _ context: SagaStepContext, maxAttempts: Int) async throws
        -> SagaStepOutcome
    {
        var facts = try saga.facts(Facts.self)
        guard let email = facts.email else { return .done }
        let payload = NoticeEmailJob.Payload(
            to: email, subject: "Your Docket account is deleted",
            body: "Your Docket account and its \(facts.deletedTasks) tasks have been deleted, as you asked. This cannot be undone.")
        let job = JobRecord.new(
            kind: NoticeEmailJob.kind, payload: String(decoding: try JSONEncoder().encode(payload), as: UTF8.self), owner: nil,
            maxAttempts: maxAttempts, now: context.now)
        try await JobStore.insert(job, on: context.sql)
        facts.confirmationJob = job.id
        try saga.record(facts)
        return .done
    }

    /// Deletes the finished email jobs addressed to the account (by address or id) but its deletion's confirmation, which
    /// goes with the finished-job retention once sent.
    private static func eraseFinishedEmails(to email: String?, of userID: UUID, except confirmation: UUID?, _ context: SagaStepContext) async throws {
        let rows = try await context.sql.select().column("id").column("payload").from("jobs").where("user_id", .is, SQLLiteral.null)
            .where("kind", .in, SQLBind.group([AccountEmailJob.kind, NoticeEmailJob.kind]))
            .where("state", .in, SQLBind.group([JobState.succeeded, .failed, .cancelled].map(\.rawValue))).all()
        var ids: [UUID] = []
        for row in rows {
            let payload = try? JSONDecoder().decode(EmailRecipient.self, from: Data(try row.decode(column: "payload", as: String.self).utf8))
            guard let payload,
                (email != nil && (payload.email?.lowercased() == email || payload.to?.lowercased() == email)) || payload.userID == userID
            else { continue }
            let id = try row.decode(column: "id", as: UUID.self)
            if id != confirmation { ids.append(id) }
        }
        for batch in stride(from: 0, to: ids.count, by: 500) {
            try await context.sql.delete(from: "jobs").where("id", .in, SQLBind.group(Array(ids[batch..<min(batch + 500, ids.count)]))).run()
        }
    }

    /// Whom an account or notice email job was for, whichever of its payload's fields say so.
    private struct EmailRecipient: Decodable {
        let email: String?
        let to: String?
        let userID: UUID?
    }

    @Sendable private static func deleteUser(_ saga: inout SagaRecord, _ context: SagaStepContext) async throws -> SagaStepOutcome {
        var facts = try saga.facts(Facts.self)
        try await context.sql.delete(from: "users").where("id", .equal, SQLBind(saga.userID)).run()
        // Events a consumer could not process carry the account's data too (they have no key to cascade from), and so do
        // the finished emails sent to it (jobs without an owner: account and notice emails).
        try await context.sql.delete(from: "dead_letters").where("user_id", .equal, SQLBind(saga.userID)).run()
        try await eraseFinishedEmails(to: facts.email, of: saga.userID, except: facts.confirmationJob, context)
        try await context.sql.insert(into: "audit_events")
            .columns("id", "event_type", "user_id", "created_at", "occurrences")
            .values(
                SQLBind(UUID()), SQLBind(AuditEventType.accountDeleted.rawValue), SQLBind(saga.userID),
                SQLBind(Date(timeIntervalSince1970: Double(context.now) / 1_000_000)), SQLBind(1)
            ).run()
        facts.email = nil  // The saga keeps no personal data once the account is gone.
        try saga.record(facts)
        return .done
    }
}
