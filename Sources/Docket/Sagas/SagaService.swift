import FluentKit
import Foundation
import Logging
import SQLKit

/// Starts sagas and answers for them: an account's deletion and its restore, the owner's view of a saga, and the
/// operator's list and retry of stuck ones. The sagas themselves run as jobs (`SagaRunner`).
struct SagaService: Sendable {
    let database: DocketDatabase
    let store: SagaStore
    let jobs: JobStore
    let jobSignal: WakeSignal
    let users: UserStore
    let hasher: any PasswordHashing
    /// A hash to verify against when no account matches, so a restore costs the same either way.
    let dummyHash: String
    let audit: AuditLog
    /// How long a deleted account can still be restored (`DOCKET_DELETION_GRACE_SECONDS`).
    let graceSeconds: Int
    let maxAttempts: Int

    /// Starts deleting `user` after checking the password again; 409 if a deletion is already under way or the account
    /// is the last active admin, 422 for a wrong password.
    func requestDeletion(of user: UserModel, password: String, origin: RequestOrigin, logger: Logger) async throws -> SagaView {
        guard try await hasher.verify(password, against: user.passwordHash) else {
            throw AppError.validation([FieldError(pointer: "/password", message: "is not the current password")])
        }
        let userID = try user.requireID()
        let (saga, job) = try newSaga(
            AccountDeletionSaga.kind, for: userID, facts: AccountDeletionSaga.Facts(email: user.email, graceSeconds: graceSeconds))
        let isAdmin = user.userRole == .admin
        try await Self.refusingASecond("This account's deletion is already under way.") {
            try await database.transaction(logger: logger) { sql in
                let unfinished = try await sql.select().column("id").from("sagas").where("user_id", .equal, SQLBind(userID))
                    .where("kind", .equal, SQLBind(AccountDeletionSaga.kind))
                    .where("state", .notIn, SQLBind.group([SagaState.completed, .compensated].map(\.rawValue))).first()
                guard unfinished == nil else { throw AppError(.conflict, "This account's deletion is already under way.") }
                if isAdmin {
                    let admins = try await sql.select().column("id").from("users").where("role", .equal, SQLBind(UserRole.admin.rawValue))
                        .where("deleted_at", .is, SQLLiteral.null).where("deactivated_at", .is, SQLLiteral.null)
                        .where("id", .notEqual, SQLBind(userID)).first()
                    guard admins != nil else {
                        throw AppError(.conflict, "This is the last active admin; make another account an admin first.")
                    }
                }
                try await store.insert(saga, on: sql)
                try await jobs.insert(job, on: sql)
            }
        }
        jobSignal.notify()
        await audit.record(.accountDeletionRequested, userID: userID, origin: origin, logger: logger)
        return try await view(saga.id, logger: logger)
    }

    /// Cancels the deletion of the account with `email` while its grace period lasts, after checking its password
    /// (the same work whether or not the address exists): the finished steps are compensated. 401 for wrong
    /// credentials, 409 when no deletion can be undone any more.
    func restore(email: EmailAddress, password: String, origin: RequestOrigin, logger: Logger) async throws -> SagaView {
        let user = email.value.contains("\u{0}") ? nil : try await users.find(email: email, logger: logger)
        let matches = try await hasher.verify(password, against: user?.passwordHash ?? dummyHash)
        guard let user, matches, let userID = user.id else {
            await audit.record(.loginFailed, userID: user?.id, origin: origin, details: "restore: invalid credentials", logger: logger)
            throw AppError.unauthorized("Invalid email or password.")
        }
        let now = Microseconds.now()
        let restored: UUID? = try await database.transaction(logger: logger) { sql in
            let open = try await sql.select().column("id").from("sagas").where("user_id", .equal, SQLBind(userID))
                .where("kind", .equal, SQLBind(AccountDeletionSaga.kind))
                .where("state", .in, SQLBind.group([SagaState.running, .waiting].map(\.rawValue))).first()
            guard let id = try open?.decode(column: "id", as: UUID.self), var saga = try await store.lock(id, on: sql),
                saga.state == .running || saga.state == .waiting, saga.step <= AccountDeletionSaga.graceStep
            else { return nil }
            saga.state = .compensating
            saga.resumeAt = nil
            saga.updatedAt = now
            try await store.save(saga, on: sql)
            try await jobs.runNow(saga.jobID, now: now, on: sql)
            return saga.id
        }
        guard let restored else { throw AppError(.conflict, "This account has no deletion that can still be undone.") }
        jobSignal.notify()
        await audit.record(.accountRestored, userID: userID, origin: origin, logger: logger)
        return try await view(restored, logger: logger)
    }

    /// Starts exporting `user`'s data; 409 while another export of theirs is under way.
    func requestExport(for userID: UUID, origin: RequestOrigin, logger: Logger) async throws -> SagaView {
        let (saga, job) = try newSaga(DataExportSaga.kind, for: userID, facts: DataExportSaga.Facts())
        try await Self.refusingASecond("An export of this account is already under way.") {
            try await database.transaction(logger: logger) { sql in
                let unfinished = try await sql.select().column("id").from("sagas").where("user_id", .equal, SQLBind(userID))
                    .where("kind", .in, SQLBind.group([DataExportSaga.kind, AccountDeletionSaga.kind]))
                    .where("state", .notIn, SQLBind.group([SagaState.completed, .compensated].map(\.rawValue))).first()
                guard unfinished == nil else { throw AppError(.conflict, "An export or a deletion of this account is already under way.") }
                try await store.insert(saga, on: sql)
                try await jobs.insert(job, on: sql)
            }
        }
        jobSignal.notify()
        return try await view(saga.id, logger: logger)
    }

    /// Runs `start`, turning the unique index's refusal of a second unfinished saga of a kind (a concurrent request that
    /// passed the same check) into the same 409 the check gives.
    private static func refusingASecond(_ detail: String, _ start: () async throws -> Void) async throws {
        do {
            try await start()
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw AppError(.conflict, detail)
        }
    }

    /// A saga of `kind` for `userID`, about to start, and the job (with no owner: a deletion outlives the account) that
    /// will run it.
    private func newSaga(_ kind: String, for userID: UUID, facts: some Encodable) throws -> (SagaRecord, JobRecord) {
        let now = Microseconds.now()
        let sagaID = UUID()
        let payload = String(decoding: try JSONEncoder().encode(SagaRunner.Payload(sagaID: sagaID)), as: UTF8.self)
        let job = JobRecord.new(kind: SagaRunner.kind, payload: payload, owner: nil, maxAttempts: maxAttempts, now: now)
        var saga = SagaRecord(
            id: sagaID, kind: kind, userID: userID, state: .running, step: 0, data: "{}", jobID: job.id, error: nil, resumeAt: nil,
            createdAt: now, updatedAt: now, finishedAt: nil)
        try saga.record(facts)
        return (saga, job)
    }

    /// Claims the export's one download: a link with a wrong signature or for an unknown export is a 404, an expired
    /// or already used one a 410. The document is then read with `exportPart(of:after:)`.
    func download(_ id: UUID, expires: Int64, signature: String, links: ExportLinks, logger: Logger) async throws -> ExportDownload {
        guard links.verify(id, expires: expires, signature: signature) else { throw AppError.notFound("No such export.") }
        let now = Microseconds.now()
        guard expires * 1_000_000 > now else { throw AppError(.gone, "This download link has expired; ask for a new export.") }
        let row = try await database.sql(logger: logger).raw(
            """
            UPDATE exports SET downloaded_at = \(bind: now)
            WHERE id = \(bind: id) AND downloaded_at IS NULL AND expires_at > \(bind: now)
            RETURNING document
            """
        ).first()
        guard let document = try row?.decode(column: "document", as: String.self) else {
            throw AppError(.gone, "This download link was used already (or the export expired); ask for a new export.")
        }
        return document.isEmpty ? .parts(id) : .whole(document)
    }

    /// The part of export `id`'s document after `position` (nil: its first), or nil after its last.
    func exportPart(of id: UUID, after position: ExportDownload.Position?, logger: Logger) async throws -> (ExportDownload.Position, String)? {
        let sql = database.sql(logger: logger)
        let (section, part) = (position?.section ?? 0, position?.part ?? -1)
        let row = try await sql.raw(
            """
            SELECT section, part, data FROM export_parts WHERE export_id = \(bind: id)
            AND (section > \(bind: section) OR (section = \(bind: section) AND part > \(bind: part)))
            ORDER BY section, part LIMIT 1
            """
        ).first()
        guard let row else { return nil }
        let next = ExportDownload.Position(
            section: try row.decode(column: "section", as: Int.self), part: try row.decode(column: "part", as: Int.self))
        return (next, try row.decode(column: "data", as: String.self))
    }

    /// The saga with `id` if `owner` (nil: an operator) may see it, or a 404.
    func view(_ id: UUID, owner: UUID? = nil, logger: Logger) async throws -> SagaView {
        guard let view = try await store.view(id, owner: owner, logger: logger) else { throw AppError.notFound("No such saga.") }
        return view
    }

    /// Sagas for an operator, newest first.
    func list(state: SagaState?, limit: Int, logger: Logger) async throws -> [SagaView] {
        try await store.list(state: state, limit: limit, logger: logger)
    }

    /// Runs a failed saga's job again with fresh attempts, from the saga's last committed step; 409 unless it failed.
    func retry(_ id: UUID, logger: Logger) async throws -> SagaView {
        let saga = try await view(id, logger: logger)
        guard saga.state == .failed, try await jobs.requeueFinished(saga.jobID, now: Microseconds.now(), logger: logger) else {
            throw AppError(.conflict, "Only a failed saga can be retried; this one is \(saga.state.rawValue).")
        }
        jobSignal.notify()
        return try await view(id, logger: logger)
    }
}
