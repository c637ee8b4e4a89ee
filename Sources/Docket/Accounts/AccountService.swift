import FluentKit
import Foundation
import Logging
import SQLKit

/// What can happen to an account (creation, profile, password, role, activation, ending its sessions), independent of
/// HTTP; the API and the operator CLI both go through it.
struct AccountService: Sendable {
    let users: UserStore
    let refreshTokens: RefreshTokenStore
    let sessions: SessionStore
    /// Revokes personal access tokens and disables webhooks when every session ends.
    let lockdown: AccountLockdown
    let hasher: any PasswordHashing
    let audit: AuditLog
    let metrics: DocketMetrics
    /// Where account events (`user.updated`) are written.
    let outbox: EventOutbox
    /// Called after an account's status, role or token validity changed, so a per-node cache can forget it at once.
    let statusChanged: @Sendable (UUID) -> Void

    /// Creates an account after checking every field (all failures reported at once); a taken email is a 409.
    func create(
        email rawEmail: String, password: String, name rawName: String, role: UserRole, origin: RequestOrigin, note: String? = nil,
        logger: Logger
    ) async throws -> UserModel {
        var errors: [FieldError] = []
        let email = CredentialRules.email(rawEmail, into: &errors)
        CredentialRules.password(password, into: &errors)
        let name = CredentialRules.name(rawName, into: &errors)
        try CredentialRules.check(errors)
        let user = UserModel(email: email, name: name, passwordHash: try await hasher.hash(password), role: role, now: Date())
        try await users.create(user, logger: logger)
        await audit.record(.registered, userID: user.id, origin: origin, details: note, logger: logger)
        return user
    }

    /// The account with `id`, or a 401 (the caller's account no longer exists).
    func account(id: UUID, logger: Logger) async throws -> UserModel {
        try await users.require(id: id, logger: logger)
    }

    /// The account with `id`, or a 404 problem.
    func existingAccount(id: UUID, logger: Logger) async throws -> UserModel {
        guard let user = try await users.find(id: id, logger: logger) else { throw AppError.notFound("No such account.") }
        return user
    }

    /// The account with `email`, deactivated or not.
    func account(email: EmailAddress, logger: Logger) async throws -> UserModel? {
        try await users.find(email: email, logger: logger)
    }

    /// One page of accounts matching the filters, newest first, and how many match in all.
    func list(emailContains: String?, role: UserRole?, limit: Int, offset: Int, logger: Logger) async throws -> ([UserModel], Int) {
        try await users.list(emailContains: emailContains, role: role, limit: limit, offset: offset, logger: logger)
    }

    /// Changes the display name after checking it.
    /// Changes the display name after checking it; a change is announced with a `user.updated` event.
    func rename(_ user: UserModel, to rawName: String, source: ChangeSource, logger: Logger) async throws {
        var errors: [FieldError] = []
        let name = CredentialRules.name(rawName, into: &errors)
        try CredentialRules.check(errors)
        let oldName = user.name
        guard name != oldName, let id = user.id else { return }
        user.name = name
        user.updatedAt = Date()
        let outbox = self.outbox
        let event = try UserEventData.renamed(user, from: oldName)
        try await users.database.transaction(logger: logger) { sql in
            try await sql.update("users").set("name", to: name).set("updated_at", to: user.updatedAt).where("id", .equal, id).run()
            try await outbox.append(event, owner: id, source: source, on: sql)
        }
        outbox.committed(id)
    }

    /// Changes the password after checking the current one, and signs out every session.
    func changePassword(of user: UserModel, current: String, new: String, origin: RequestOrigin, logger: Logger) async throws {
        var errors: [FieldError] = []
        CredentialRules.password(new, pointer: "/new_password", into: &errors)
        try CredentialRules.check(errors)
        guard try await hasher.verify(current, against: user.passwordHash) else {
            throw AppError.validation([FieldError(pointer: "/current_password", message: "is not the current password")])
        }
        try await replacePassword(of: user, with: new, logger: logger)
        await audit.record(.passwordChanged, userID: user.id, origin: origin, logger: logger)
    }

    /// Sets a new (already checked) password and signs out every session.
    func replacePassword(of user: UserModel, with password: String, logger: Logger) async throws {
        user.passwordHash = try await hasher.hash(password)
        try await endAllSessions(of: user, because: .passwordChanged, logger: logger)
    }

    /// Revokes every refresh token, every access token issued until now and every personal access token, and
    /// disables the account's webhooks (`AccountLockdown`).
    func endAllSessions(of user: UserModel, because reason: AccountLockdown.Reason, logger: Logger) async throws {
        _ = try await sessions.revokeAll(userID: user.id!, logger: logger)
        if try await refreshTokens.revokeAll(userID: user.id!, logger: logger) > 0 { metrics.familyRevoked(cause: "all_sessions") }
        user.tokensValidAfter = Date()
        try await users.save(user, logger: logger)
        statusChanged(user.id!)
        try await lockdown.apply(to: user.id!, because: reason, logger: logger)
    }

    /// Deactivates (or reactivates) an account; deactivation signs out every session. Nothing happens when it already is.
    /// `actor` is the admin doing it (nil for the account itself or the operator CLI); an admin cannot deactivate
    /// themself this way, and the last active admin cannot be deactivated at all (409).
    ///
    /// Deactivation and a deletion the owner asked for are separate states: deactivating an account pending deletion
    /// is recorded as such (the deletion goes on); reactivating lifts only the deactivation, never the owner's deletion
    /// (409 when that deletion is all that keeps the account inactive: only the owner restores it).
    func setActive(
        _ active: Bool, user: UserModel, actor: UUID? = nil, origin: RequestOrigin, note: String? = nil, logger: Logger
    ) async throws {
        if active, !user.isDeactivated, user.isPendingDeletion {
            throw AppError(
                .conflict,
                "This account's owner asked for its deletion; only the owner can undo it (POST /api/v1/users/me/restore) during the grace period."
            )
        }
        guard active == user.isDeactivated else { return }
        if !active, let actor, actor == user.id {
            throw AppError(.conflict, "An admin cannot deactivate their own account here; use DELETE /api/v1/users/me or ask another admin.")
        }
        let wasActiveAdmin = user.isActive && user.userRole == .admin
        user.deactivatedAt = active ? nil : Date()
        try await saveKeepingAnAdmin(user, wasActiveAdmin: wasActiveAdmin, logger: logger)
        if active {
            statusChanged(user.id!)
        } else {
            try await endAllSessions(of: user, because: .deactivated, logger: logger)
        }
        let pending = user.isPendingDeletion ? (active ? "its deletion is still under way" : "while its deletion is under way") : nil
        let details = [pending, note].compactMap { $0 }.joined(separator: "; ")
        await audit.record(
            active ? .accountReactivated : .accountDeactivated, userID: user.id, actor: actor, origin: origin,
            details: details.isEmpty ? nil : details, logger: logger)
    }

    /// Gives an account another role; it takes effect on the account's next request (on other nodes within the
    /// authentication cache lifetime). An admin cannot demote themself, and the last active admin stays one (409).
    func setRole(_ role: UserRole, of user: UserModel, actor: UUID? = nil, origin: RequestOrigin, note: String? = nil, logger: Logger) async throws {
        guard role != user.userRole else { return }
        if role != .admin, let actor, actor == user.id {
            throw AppError(.conflict, "An admin cannot demote themself; ask another admin.")
        }
        let wasActiveAdmin = user.isActive && user.userRole == .admin
        user.role = role.rawValue
        try await saveKeepingAnAdmin(user, wasActiveAdmin: wasActiveAdmin, logger: logger)
        statusChanged(user.id!)
        let details = ["now \(role.rawValue)", note].compactMap { $0 }.joined(separator: " ")
        await audit.record(.roleChanged, userID: user.id, actor: actor, origin: origin, details: details, logger: logger)
    }

    /// Saves `user`; when it was an active admin and no longer is, only if another active admin remains (checked and
    /// saved in one transaction that locks the admins' rows, so two admins cannot demote each other at once).
    private func saveKeepingAnAdmin(_ user: UserModel, wasActiveAdmin: Bool, logger: Logger) async throws {
        guard wasActiveAdmin, !(user.isActive && user.userRole == .admin), let id = user.id else {
            return try await users.save(user, logger: logger)
        }
        let lock = users.database.location.kind == "postgres" ? " FOR UPDATE" : ""
        try await users.database.transaction(logger: logger) { sql in
            // PostgreSQL: lock the admins' rows first, so two admins demoting each other take turns. SQLite: the write
            // transaction is exclusive already.
            if !lock.isEmpty {
                _ = try await sql.raw("SELECT id FROM users WHERE role = 'admin' AND deleted_at IS NULL AND deactivated_at IS NULL\(unsafeRaw: lock)")
                    .all()
            }
            try await user.save(on: sql as! any Database)
            let remaining = try await sql.raw("SELECT id FROM users WHERE role = 'admin' AND deleted_at IS NULL AND deactivated_at IS NULL").all()
            guard try remaining.contains(where: { try $0.decode(column: "id", as: UUID.self) != id }) else {
                throw AppError(.conflict, "This is the last active admin; make another account an admin first.")
            }
        }
    }
}
