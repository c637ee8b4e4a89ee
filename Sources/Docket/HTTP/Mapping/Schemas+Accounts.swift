import DocketAPI
import Foundation

extension Components.Schemas.User {
    /// The wire view of an account: never the password hash.
    init(_ user: UserModel) throws {
        self.init(
            id: user.id!.uuidString.lowercased(),
            email: user.email,
            name: user.name,
            role: Components.Schemas.Role(rawValue: user.role) ?? .user,
            emailVerified: user.emailVerifiedAt != nil,
            active: user.isActive,
            deactivated: user.isDeactivated,
            deletionPending: user.isPendingDeletion,
            createdAt: user.createdAt,
            updatedAt: user.updatedAt
        )
    }
}

extension Components.Schemas.TokenPair {
    /// The wire view of a sign-in: both tokens and the account.
    init(_ signedIn: SessionService.SignedIn) throws {
        self.init(
            accessToken: signedIn.accessToken,
            refreshToken: signedIn.refreshToken,
            tokenType: .bearer,
            expiresIn: signedIn.expiresIn,
            user: try Components.Schemas.User(signedIn.user)
        )
    }
}
