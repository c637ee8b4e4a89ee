import Foundation
import OpenAPIRuntime

/// A personal access token just created: its metadata and the secret, which the server shows only this once.
public struct NewDocketAccessToken: Sendable {
    /// The token's id, name, scopes and expiry.
    public let metadata: DocketAccessToken
    /// The bearer secret (`dkt_…`).
    public let token: String
}

extension DocketClient {
    /// The caller's personal access tokens (never their secrets).
    public func accessTokens() async throws -> [DocketAccessToken] {
        try await Self.unwrapping { try await api.listAccessTokens().ok.body.json.items }
    }

    /// Creates a personal access token for scripts and agents; `expiresInDays` nil means the server's default (30).
    public func createAccessToken(name: String, scopes: [DocketTokenScope], expiresInDays: Int? = nil) async throws
        -> NewDocketAccessToken
    {
        let created = try await Self.unwrapping {
            try await api.createAccessToken(body: .json(.init(name: name, scopes: scopes, expiresInDays: expiresInDays)))
                .created.body.json
        }
        return NewDocketAccessToken(metadata: created.value1, token: created.value2.token)
    }

    /// Revokes a personal access token at once.
    public func revokeAccessToken(_ id: String) async throws {
        _ = try await Self.unwrapping { try await api.revokeAccessToken(path: .init(id: id)).noContent }
    }
}
