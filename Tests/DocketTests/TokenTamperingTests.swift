import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import Testing

@testable import Docket

@Suite("Access-token tampering")
struct TokenTamperingTests {
    /// Claims a forger controls completely.
    struct ForgedClaims: JWTPayload {
        var sub: SubjectClaim
        var iss: IssuerClaim
        var aud: AudienceClaim
        var iat: IssuedAtClaim
        var nbf: NotBeforeClaim
        var exp: ExpirationClaim
        var jti: IDClaim
        var role: String
        var sid: String?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func claims(
        for userID: String, session: String?, iss: String = "docket", aud: String = "docket-api", issuedAt: Date = Date(),
        notBefore: Date? = nil, lifetime: TimeInterval = 600
    ) -> ForgedClaims {
        ForgedClaims(
            sub: .init(value: userID), iss: .init(value: iss), aud: .init(value: [aud]), iat: .init(value: issuedAt),
            nbf: .init(value: notBefore ?? issuedAt), exp: .init(value: issuedAt.addingTimeInterval(lifetime)), jti: .init(value: UUID().uuidString),
            role: "admin", sid: session)
    }

    /// The `sid` claim of a real access token.
    static func session(of accessToken: String) throws -> String {
        let payload = try #require(Data(base64URLEncoded: String(accessToken.split(separator: ".")[1])))
        return try #require((try JSONSerialization.jsonObject(with: payload) as? [String: Any])?["sid"] as? String)
    }

    /// Signs with a key the attacker made, under the server's own `kid`.
    static func signWithAttackerKey(_ claims: ForgedClaims, kid: String) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(eddsa: try EdDSA.PrivateKey(curve: .ed25519), kid: JWKIdentifier(string: kid))
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
    }

    /// Signs with the server's real signing key, so only the claim under test is wrong.
    static func signWithServerKey(_ claims: ForgedClaims, config: DocketConfig, kid: String? = nil) async throws -> String {
        let file = try SigningKeyFile.read(from: config.keysFilePath)
        let stored = try #require(file.keys.first { $0.kid == file.signingKID })
        let keys = JWTKeyCollection()
        await keys.add(eddsa: try EdDSA.PrivateKey(d: stored.d!, curve: .ed25519), kid: JWKIdentifier(string: kid ?? stored.kid))
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid ?? stored.kid))
    }

    static func b64(_ text: String) -> String { Data(text.utf8).base64URLEncodedString() }

    @Test("every forged or broken token is a 401 with WWW-Authenticate", arguments: TestBackend.all)
    func tampering(backend: TestBackend) async throws {
        let app = try await TestApp.make(backend)
        try await app.run { client, _ in
            let tokens = try await client.register()
            let id = tokens.user.id
            let config = app.config
            let parts = tokens.accessToken.split(separator: ".").map(String.init)
            let file = try SigningKeyFile.read(from: config.keysFilePath)
            let publicKeyBytes = try #require(Data(base64URLEncoded: file.keys[0].x))
            let sid = try Self.session(of: tokens.accessToken)

            // alg "none" with the real payload and no signature.
            let none = "\(Self.b64(#"{"alg":"none","typ":"JWT","kid":"\#(file.signingKID)"}"#)).\(parts[1])."
            // HS256 keyed with the public key (the classic algorithm-confusion attack).
            let hsHeader = Self.b64(#"{"alg":"HS256","typ":"JWT","kid":"\#(file.signingKID)"}"#)
            let mac = HMAC<SHA256>.authenticationCode(for: Data("\(hsHeader).\(parts[1])".utf8), using: SymmetricKey(data: publicKeyBytes))
            let hs256 = "\(hsHeader).\(parts[1]).\(Data(mac).base64URLEncodedString())"
            // A payload swapped in under the original signature (role/sub changes).
            let swappedPayload = "\(parts[0]).\(Self.b64(#"{"sub":"\#(id)","role":"admin","exp":9999999999}"#)).\(parts[2])"

            let cases: [(String, String)] = [
                ("alg none", none),
                ("HS256 with the public key", hs256),
                ("payload swapped", swappedPayload),
                ("unknown kid", try await Self.signWithServerKey(Self.claims(for: id, session: sid), config: config, kid: "someone-elses-key")),
                (
                    "expired",
                    try await Self.signWithServerKey(Self.claims(for: id, session: sid, issuedAt: Date().addingTimeInterval(-3600)), config: config)
                ),
                (
                    "not yet valid",
                    try await Self.signWithServerKey(Self.claims(for: id, session: sid, notBefore: Date().addingTimeInterval(600)), config: config)
                ),
                ("wrong audience", try await Self.signWithServerKey(Self.claims(for: id, session: sid, aud: "another-api"), config: config)),
                ("wrong issuer", try await Self.signWithServerKey(Self.claims(for: id, session: sid, iss: "evil"), config: config)),
                ("unknown subject", try await Self.signWithServerKey(Self.claims(for: UUID().uuidString, session: sid), config: config)),
                (
                    "attacker's Ed25519 key under the server's kid",
                    try await Self.signWithAttackerKey(Self.claims(for: id, session: sid), kid: file.signingKID)
                ),
                ("no session", try await Self.signWithServerKey(Self.claims(for: id, session: nil), config: config)),
                ("a session that does not exist", try await Self.signWithServerKey(Self.claims(for: id, session: UUID().uuidString), config: config)),
                ("truncated", String(tokens.accessToken.dropLast(10))),
                ("extra dots", tokens.accessToken + ".."),
                ("two parts", "\(parts[0]).\(parts[1])"),
                ("garbage", "not-a-jwt"),
                ("empty", ""),
            ]
            for (name, token) in cases {
                let response = try await client.send(.get, "/api/v1/users/me", headers: [.authorization: "Bearer \(token)"])
                #expect(response.status == .unauthorized, "\(name)")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true, "\(name)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(name)")
            }
            let noScheme = try await client.send(.get, "/api/v1/users/me", headers: [.authorization: tokens.accessToken])
            #expect(noScheme.status == .unauthorized)
            let basic = try await client.send(.get, "/api/v1/users/me", headers: [.authorization: "Basic dXNlcjpwYXNz"])
            #expect(basic.status == .unauthorized)
            // A correctly signed, in-date token still works, so the cases above failed for their own reason.
            let good = try await Self.signWithServerKey(Self.claims(for: id, session: sid), config: config)
            #expect(try await client.me(good).status == .ok)
        }
    }

    @Test("a deactivated user's unexpired token is refused", arguments: TestBackend.all)
    func deactivatedUserToken(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.auth.cacheTTL = 0 }.run { client, database in
            let tokens = try await client.register()
            let user = try #require(try await UserModel.find(UUID(uuidString: tokens.user.id), on: database.database(logger: database.logger)))
            user.deletedAt = Date()
            try await user.save(on: database.database(logger: database.logger))
            try await client.me(tokens.accessToken).expectProblem(.unauthorized, "unauthorized")
        }
    }

    @Test("JWKS publishes the public key that verifies issued tokens, and never the private part", arguments: TestBackend.all)
    func jwks(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let tokens = try await client.register()
            let response = try await client.send(.get, "/.well-known/jwks.json")
            #expect(response.status == .ok)
            #expect(!response.text.contains("\"d\""))
            struct Set: Decodable {
                struct Key: Decodable {
                    let kid: String
                    let x: String
                    let kty: String
                    let crv: String
                    let alg: String
                }
                let keys: [Key]
            }
            let set = try response.decode(Set.self)
            let header =
                try JSONSerialization.jsonObject(with: Data(base64URLEncoded: String(tokens.accessToken.split(separator: ".")[0]))!) as! [String: Any]
            let kid = try #require(header["kid"] as? String)
            #expect(header["alg"] as? String == "EdDSA")
            let key = try #require(set.keys.first { $0.kid == kid })
            #expect(key.kty == "OKP" && key.crv == "Ed25519" && key.alg == "EdDSA")
            let verifier = JWTKeyCollection()
            await verifier.add(eddsa: try EdDSA.PublicKey(x: key.x, curve: .ed25519), kid: JWKIdentifier(string: kid))
            let verified = try await verifier.verify(tokens.accessToken, as: ForgedClaims.self)
            #expect(verified.sub.value == tokens.user.id)
        }
    }

    @Test("after a key rotation, tokens signed with the old key still verify and new ones use the new key")
    func rotation() async throws {
        let app = try await TestApp.make(.sqlite)
        let old = try await app.run { client, _ in try await client.register() }
        let newKID = try AdminTasks.rotateKeys(config: app.config)
        var restarted = app
        restarted.config.autoMigrate = false
        try await restarted.run { client, _ in
            #expect(try await client.me(old.accessToken).status == .ok)
            let fresh = try await client.login(email: old.user.email).decode(TokenPairBody.self)
            let header =
                try JSONSerialization.jsonObject(with: Data(base64URLEncoded: String(fresh.accessToken.split(separator: ".")[0]))!) as! [String: Any]
            #expect(header["kid"] as? String == newKID)
        }
    }

    @Test("a key file others may read is refused with a clear message; owner-only (or group-read) files are used")
    func keyFilePermissions() async throws {
        let app = try await TestApp.make(.sqlite)
        _ = try await app.run { client, _ in try await client.register() }
        let path = app.config.keysFilePath
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        do {
            _ = try await app.run { _, _ in }
            Issue.record("a world-readable key file was accepted")
        } catch let error as KeyFileError {
            #expect(error.description.contains("chmod 600"))
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o440], ofItemAtPath: path)
        let health = try await app.run { client, _ in try await client.send(.get, "/health").status }
        #expect(health == .ok)
    }

    @Test("an old key is retired only once every token it signed has expired; the signing key never")
    func keyRetirement() async throws {
        let app = try await TestApp.make(.sqlite)
        let old = try await app.run { client, _ in try await client.register() }
        let oldKID = try SigningKeyFile.read(from: app.config.keysFilePath).signingKID
        let newKID = try AdminTasks.rotateKeys(config: app.config)
        #expect(throws: KeyRetirementError.signing(newKID)) { try AdminTasks.retireKey(newKID, config: app.config) }
        #expect(throws: KeyRetirementError.unknown("nope")) { try AdminTasks.retireKey("nope", config: app.config) }
        do {
            try AdminTasks.retireKey(oldKID, config: app.config)
            Issue.record("retired a key whose tokens may still be valid")
        } catch KeyRetirementError.stillInUse(let kid, _) {
            #expect(kid == oldKID)
        }
        var restarted = app
        restarted.config.autoMigrate = false
        let before = try await restarted.run { client, _ in try await client.me(old.accessToken).status }
        #expect(before == .ok)
        let later = Date().addingTimeInterval(TimeInterval(app.config.auth.accessTokenTTL) + AccessTokens.leeway + 1)
        try AdminTasks.retireKey(oldKID, config: app.config, now: later)
        #expect(try SigningKeyFile.read(from: app.config.keysFilePath).keys.map(\.kid) == [newKID])
        // A token signed by the retired key is refused (it would have expired by now anyway).
        try await restarted.run { client, _ in try await client.me(old.accessToken).expectProblem(.unauthorized, "unauthorized") }
    }
}
