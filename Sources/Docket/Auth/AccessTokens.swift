import Crypto
import Foundation
import JWTKit
import Synchronization

/// Signs and verifies EdDSA access tokens with the keys from the shared key file.
final class AccessTokens: Sendable {
    private let keys: JWTKeyCollection
    private let knownKIDs: Set<String>
    private let signingKID: JWKIdentifier
    let issuer: String
    let audience: String
    let lifetime: Int
    /// The public keys, as published at `/.well-known/jwks.json`.
    let publicKeys: [SigningKeyFile.StoredKey]
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    static let leeway: TimeInterval = 10
    /// Tokens whose signature and claims were already checked, keyed by the whole token text, until they expire.
    /// An Ed25519 verification costs ~70 µs; a lookup well under 1 µs. Only successful verifications are stored,
    /// and account state (deactivation, logout-all) is still checked on every request by `Authenticator`.
    private let verified = Mutex<[String: VerifiedToken]>([:])
    private static let cacheLimit = 10_000

    init(keyFile: SigningKeyFile, settings: AuthSettings) async throws {
        let keys = JWTKeyCollection()
        for stored in keyFile.keys {
            let publicKey = try EdDSA.PublicKey(x: stored.x, curve: .ed25519)
            if stored.kid == keyFile.signingKID, let d = stored.d {
                await keys.add(eddsa: try EdDSA.PrivateKey(d: d, curve: .ed25519), kid: JWKIdentifier(string: stored.kid))
            } else {
                await keys.add(eddsa: publicKey, kid: JWKIdentifier(string: stored.kid))
            }
        }
        // No default key: a token must name its kid.
        _ = await keys.clearDefault()
        self.keys = keys
        self.knownKIDs = Set(keyFile.keys.map(\.kid))
        self.signingKID = JWKIdentifier(string: keyFile.signingKID)
        self.issuer = settings.issuer
        self.audience = settings.audience
        self.lifetime = settings.accessTokenTTL
        self.publicKeys = keyFile.keys.map { SigningKeyFile.StoredKey(kid: $0.kid, x: $0.x, d: nil, createdAt: $0.createdAt) }
    }

    /// A signed token for `userID` with `role` in session `sessionID`, valid for the configured lifetime.
    func issue(userID: UUID, role: UserRole, sessionID: UUID, now: Date = Date()) async throws -> String {
        let claims = AccessTokenClaims(
            sub: .init(value: userID.uuidString.lowercased()),
            iss: .init(value: issuer),
            aud: .init(value: [audience]),
            iat: .init(value: now),
            nbf: .init(value: now),
            exp: .init(value: now.addingTimeInterval(TimeInterval(lifetime))),
            jti: .init(value: UUID().uuidString.lowercased()),
            role: role.rawValue,
            sid: sessionID.uuidString.lowercased()
        )
        var header = JWTHeader()
        header.typ = "JWT"
        return try await keys.sign(claims, kid: signingKID, header: header)
    }

    /// The verified token, or why it is not acceptable.
    func verify(_ token: String, now: Date = Date()) async throws(TokenRejection) -> VerifiedToken {
        if let cached = verified.withLock({ $0[token] }) {
            guard cached.expiresAt.addingTimeInterval(Self.leeway) > now else { throw .expired }
            return cached
        }
        let claims = try await verifyFully(token, now: now)
        let result = VerifiedToken(
            userID: UUID(uuidString: claims.sub.value)!, sessionID: UUID(uuidString: claims.sid)!, issuedAt: claims.iat.value,
            expiresAt: claims.exp.value)
        verified.withLock { entries in
            if entries.count >= Self.cacheLimit {
                entries = entries.filter { $0.value.expiresAt > now }
                if entries.count >= Self.cacheLimit { entries.removeAll(keepingCapacity: true) }
            }
            entries[token] = result
        }
        return result
    }

    /// Signature, key id, time window, issuer and audience: the full check.
    private func verifyFully(_ token: String, now: Date) async throws(TokenRejection) -> AccessTokenClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else { throw .malformed }
        guard let headerData = Data(base64URLEncoded: String(parts[0])),
            let header = try? JSONDecoder().decode(MinimalHeader.self, from: headerData)
        else { throw .malformed }
        guard header.alg == "EdDSA" else { throw .badSignature }
        guard let kid = header.kid, knownKIDs.contains(kid) else { throw .unknownKey }
        let claims: AccessTokenClaims
        do {
            claims = try await keys.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw .badSignature
        }
        guard claims.exp.value.addingTimeInterval(Self.leeway) > now else { throw .expired }
        guard claims.nbf.value.addingTimeInterval(-Self.leeway) <= now, claims.iat.value.addingTimeInterval(-Self.leeway) <= now else {
            throw .notYetValid
        }
        guard claims.iss.value == issuer, claims.aud.value.contains(audience) else { throw .wrongAudience }
        guard UUID(uuidString: claims.sub.value) != nil, UUID(uuidString: claims.sid) != nil else { throw .malformed }
        return claims
    }

    private struct MinimalHeader: Decodable {
        let alg: String?
        let kid: String?
    }
}
