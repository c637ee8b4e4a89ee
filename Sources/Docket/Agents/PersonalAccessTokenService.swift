import Foundation
import Logging

/// Personal access tokens: create (shown once), list, revoke, and verify one presented as a bearer token.
struct PersonalAccessTokenService: Sendable {
    let store: PersonalAccessTokenStore
    let audit: AuditLog

    /// Every token starts with this, so people, scanners and the authenticator recognise it.
    static let prefix = "dkt_"
    /// How often a token's last use is written at most (a write per request would cost more than the request).
    static let useRecordingInterval: TimeInterval = 60

    /// A token as created: the plaintext (shown once) and what is stored.
    struct Created {
        let token: String
        let stored: PersonalAccessTokenModel
    }

    /// Creates a token for `owner` with `scopes`, expiring after `expiresInDays` (1–365).
    func create(
        owner: UUID, name rawName: String, scopes requested: [TokenScope], expiresInDays: Int, origin: RequestOrigin, logger: Logger
    ) async throws -> Created {
        var errors: [FieldError] = []
        let name = CredentialRules.name(rawName, into: &errors)
        let scopes = Set(requested)
        if scopes.isEmpty || scopes.count != requested.count {
            errors.append(FieldError(pointer: "/scopes", message: "must name at least one scope, each once"))
        }
        if !(1...365).contains(expiresInDays) { errors.append(FieldError(pointer: "/expires_in_days", message: "must be from 1 to 365")) }
        try CredentialRules.check(errors)
        let token = Self.prefix + SecureToken.generate()
        let now = Date()
        let stored = PersonalAccessTokenModel(
            userID: owner, name: name, tokenHash: SecureToken.hash(token), prefix: String(token.prefix(12)), scopes: scopes, now: now,
            expiresAt: now.addingTimeInterval(TimeInterval(expiresInDays) * 86_400))
        try await store.create(stored, logger: logger)
        await audit.record(
            .accessTokenCreated, userID: owner, origin: origin,
            details: "token \(stored.id!.uuidString.lowercased()) \(stored.prefix) [\(stored.scopeText)]", logger: logger)
        return Created(token: token, stored: stored)
    }

    /// The owner's live tokens, newest first.
    func list(owner: UUID, logger: Logger) async throws -> [PersonalAccessTokenModel] {
        try await store.list(owner: owner, logger: logger)
    }

    /// Revokes one of the owner's tokens at once; someone else's or an unknown id is a 404.
    func revoke(_ id: UUID, owner: UUID, origin: RequestOrigin, logger: Logger) async throws {
        guard try await store.revoke(id, owner: owner, logger: logger) else { throw AppError.notFound("No such access token.") }
        await audit.record(.accessTokenRevoked, userID: owner, origin: origin, details: "token \(id.uuidString.lowercased())", logger: logger)
    }

    /// The live token behind `token`, recording its use (and auditing a use from another address than the last).
    func verify(_ token: String, origin: RequestOrigin, logger: Logger) async throws -> PersonalAccessTokenModel {
        let hash = SecureToken.hash(token)
        guard let stored = try await store.find(hash: hash, logger: logger), SecureToken.constantTimeEquals(stored.tokenHash, hash) else {
            throw TokenRejection.unknownToken
        }
        let now = Date()
        guard stored.revokedAt == nil else { throw TokenRejection.revoked }
        guard stored.expiresAt > now else { throw TokenRejection.expired }
        // The first use, or a use from another address than the last one.
        let newAddress = stored.lastUsedAt == nil || stored.lastUsedIP != origin.ip
        if newAddress || stored.lastUsedAt.map({ now.timeIntervalSince($0) >= Self.useRecordingInterval }) ?? true {
            try await store.recordUse(stored.id!, at: now, ip: origin.ip, logger: logger)
        }
        if newAddress {
            await audit.record(
                .accessTokenNewAddress, userID: stored.userID, origin: origin,
                details: "token \(stored.id!.uuidString.lowercased()) \(stored.prefix)", logger: logger)
        }
        return stored
    }
}
