import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The client's picture of the auth payloads.
struct TokenPairBody: Decodable {
    let accessToken: String
    let refreshToken: String
    let tokenType: String
    let expiresIn: Int
    let user: UserBody

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case user
    }

    var bearer: HTTPFields { [.authorization: "Bearer \(accessToken)"] }
}

/// The client's picture of an account.
struct UserBody: Decodable, Equatable {
    let id: String
    let email: String
    let name: String
    let role: String
    let emailVerified: Bool
    let active: Bool
    let createdAt: String
    let updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, email, name, role, active
        case emailVerified = "email_verified"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// A page of a listing.
struct PageBody<Item: Decodable>: Decodable {
    let items: [Item]
    let total: Int
    let limit: Int
    let offset: Int
}

/// An audit row as admins see it.
struct AuditEventBody: Decodable {
    let id: String
    let eventType: String
    let userID: String?
    let requestID: String?
    let details: String?
    let actorID: String?
    let count: Int

    enum CodingKeys: String, CodingKey {
        case id, details, count
        case eventType = "event_type"
        case userID = "user_id"
        case requestID = "request_id"
        case actorID = "actor_id"
    }
}

/// A password that satisfies the rules.
let goodPassword = "Correct-Horse-9"

/// A unique email for one test.
func uniqueEmail(_ prefix: String = "user") -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
}

extension TestClientProtocol {
    /// Registers a new account and returns its tokens.
    func register(email: String = uniqueEmail(), password: String = goodPassword, name: String = "Test User") async throws
        -> TokenPairBody
    {
        let response = try await send(.post, "/api/v1/auth/register", json: ["email": email, "password": password, "name": name])
        try #require(response.status == .created, "register: \(response.status) \(response.text)")
        return try response.decode(TokenPairBody.self)
    }

    /// Signs in and returns the response (status not checked).
    func login(email: String, password: String = goodPassword) async throws -> TestResponse {
        try await send(.post, "/api/v1/auth/login", json: ["email": email, "password": password])
    }

    /// Exchanges a refresh token (status not checked).
    func refresh(_ token: String) async throws -> TestResponse {
        try await send(.post, "/api/v1/auth/refresh", json: ["refresh_token": token])
    }

    /// `GET /api/v1/users/me` with the given access token.
    func me(_ accessToken: String) async throws -> TestResponse {
        try await send(.get, "/api/v1/users/me", headers: [.authorization: "Bearer \(accessToken)"])
    }
}
