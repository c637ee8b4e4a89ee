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
    /// When the owner asked for the account's deletion (nil unless one is under way; a restore clears it).
    @OptionalField(key: "deleted_at") var deletedAt: Date?
    /// When an admin or the operator deactivated the account (only they reactivate it).
    @OptionalField(key: "deactivated_at") var deactivatedAt: Date?

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

    /// Whether the account may sign in and act: neither deactivated nor pending deletion.
    var isActive: Bool { deletedAt == nil && deactivatedAt == nil }
    /// Whether its owner asked for its deletion and the deletion is still under way.
    var isPendingDeletion: Bool { deletedAt != nil }
    /// Whether an admin or the operator deactivated it.
    var isDeactivated: Bool { deactivatedAt != nil }
    var userRole: UserRole { UserRole(rawValue: role) ?? .user }
}
