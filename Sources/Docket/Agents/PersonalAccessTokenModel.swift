import FluentKit
import Foundation

/// A personal access token: stored as its SHA-256 hash, with a display prefix, scopes, expiry and last use.
final class PersonalAccessTokenModel: Model, @unchecked Sendable {
    static let schema = "personal_access_tokens"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "name") var name: String
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "prefix") var prefix: String
    @Field(key: "scopes") var scopeText: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "last_used_at") var lastUsedAt: Date?
    @OptionalField(key: "last_used_ip") var lastUsedIP: String?
    @OptionalField(key: "revoked_at") var revokedAt: Date?

    init() {}

    init(userID: UUID, name: String, tokenHash: String, prefix: String, scopes: Set<TokenScope>, now: Date, expiresAt: Date) {
        self.id = UUID()
        self.userID = userID
        self.name = name
        self.tokenHash = tokenHash
        self.prefix = prefix
        self.scopeText = TokenScope.encode(scopes)
        self.createdAt = now
        self.expiresAt = expiresAt
    }

    /// The scopes the token holds.
    var scopes: Set<TokenScope> { TokenScope.decode(scopeText) }
}
