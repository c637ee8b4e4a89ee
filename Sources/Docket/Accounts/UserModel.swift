import FluentKit
import Foundation

/// A stored account: storage shape only (the HTTP layer maps it to the contract's `User`, never the password hash).
final class UserModel: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    @Field(key: "email") var email: String
    @Field(key: "name") var name: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "role") var role: String
    @OptionalField(key: "email_verified_at") var emailVerifiedAt: Date?
    @Field(key: "tokens_valid_after") var tokensValidAfter: Date
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "deleted_at") var deletedAt: Date?

    init() {}

    init(email: EmailAddress, name: String, passwordHash: String, role: UserRole, now: Date) {
        self.id = UUID()
        self.email = email.value
        self.name = name
        self.passwordHash = passwordHash
        self.role = role.rawValue
        self.tokensValidAfter = now.addingTimeInterval(-1)
        self.createdAt = now
        self.updatedAt = now
    }

    var isActive: Bool { deletedAt == nil }
    var userRole: UserRole { UserRole(rawValue: role) ?? .user }
}
