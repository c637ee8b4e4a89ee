import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The client's picture of a personal access token.
struct AccessTokenBody: Decodable, Equatable {
    let id: String
    let name: String
    let scopes: [String]
    let prefix: String
    let createdAt: String
    let lastUsedAt: String?
    let lastUsedIP: String?
    let expiresAt: String
    /// Present only in the answer to its creation.
    let token: String?

    enum CodingKeys: String, CodingKey {
        case id, name, scopes, prefix, token
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case lastUsedIP = "last_used_ip"
        case expiresAt = "expires_at"
    }

    /// `Authorization: Bearer <token>` for a freshly created token.
    var bearer: HTTPFields { [.authorization: "Bearer \(token ?? "")"] }
}

/// The list of a user's tokens.
struct AccessTokenListBody: Decodable {
    let items: [AccessTokenBody]
}

extension TestClientProtocol {
    /// Creates a personal access token for `owner` with `scopes` (asserting 201).
    func createAccessToken(_ scopes: [String], name: String = "agent", expiresInDays: Int = 30, as owner: TokenPairBody) async throws
        -> AccessTokenBody
    {
        let body = JSONObject(["name": .string(name), "scopes": .array(scopes), "expires_in_days": .int(expiresInDays)])
        let response = try await send(.post, "/api/v1/tokens", json: body, headers: owner.bearer)
        try #require(response.status == .created, "create token: \(response.status) \(response.text)")
        return try response.decode(AccessTokenBody.self)
    }
}
