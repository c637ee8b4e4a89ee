import DocketAPI
import Foundation

extension Components.Schemas.AccessToken {
    /// The wire view of a personal access token: never the token or its hash.
    init(_ token: PersonalAccessTokenModel) {
        self.init(
            id: token.id!.uuidString.lowercased(),
            name: token.name,
            scopes: token.scopes.sorted().compactMap { Components.Schemas.TokenScope(rawValue: $0.rawValue) },
            prefix: token.prefix,
            createdAt: token.createdAt,
            lastUsedAt: token.lastUsedAt,
            lastUsedIp: token.lastUsedIP,
            expiresAt: token.expiresAt
        )
    }
}
