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
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func claims(
        for userID: String, iss: String = "docket", aud: String = "docket-api", issuedAt: Date = Date(), notBefore: Date? = nil,
        lifetime: TimeInterval = 600
    ) -> ForgedClaims {
        ForgedClaims(
            sub: .init(value: userID), iss: .init(value: iss), aud: .init(value: [aud]), iat: .init(value: issuedAt),
            nbf: .init(value: notBefore ?? issuedAt), exp: .init(value: issuedAt.addingTimeInterval(lifetime)), jti: .init(value: UUID().uuidString),
            role: "admin")
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
                ("unknown kid", try await Self.signWithServerKey(Self.claims(for: id), config: config, kid: "someone-elses-key")),
                ("expired", try await Self.signWithServerKey(Self.claims(for: id, issuedAt: Date().addingTimeInterval(-3600)), config: config)),
                ("not yet valid", try await Self.signWithServerKey(Self.claims(for: id, notBefore: Date().addingTimeInterval(600)), config: config)),
                ("wrong audience", try await Self.signWithServerKey(Self.claims(for: id, aud: "another-api"), config: config)),
                ("wrong issuer", try await Self.signWithServerKey(Self.claims(for: id, iss: "evil"), config: config)),
                ("unknown subject", try await Self.signWithServerKey(Self.claims(for: UUID().uuidString), config: config)),
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
            let good = try await Self.signWithServerKey(Self.claims(for: id), config: config)
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
}
