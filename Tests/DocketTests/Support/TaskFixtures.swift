import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// The client's picture of a task.
struct TaskBody: Decodable, Equatable {
    let id: String
    let userID: String
    let title: String
    let description: String?
    let status: String
    let priority: String
    let dueDate: String?
    let completedAt: String?
    let createdAt: String
    let updatedAt: String
    let version: Int

    enum CodingKeys: String, CodingKey {
        case id, title, description, status, priority, version
        case userID = "user_id"
        case dueDate = "due_date"
        case completedAt = "completed_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// One page of tasks.
struct TaskPageBody: Decodable {
    let items: [TaskBody]
    let limit: Int
    let nextCursor: String?
    let total: Int?

    enum CodingKeys: String, CodingKey {
        case items, limit, total
        case nextCursor = "next_cursor"
    }
}

/// A JSON object literal for request bodies, allowing explicit nulls.
struct JSONObject: Encodable {
    let fields: [String: JSONValue]
    init(_ fields: [String: JSONValue]) { self.fields = fields }
    func encode(to encoder: any Encoder) throws { try fields.encode(to: encoder) }
}

/// A JSON value in a test body.
enum JSONValue: Encodable, ExpressibleByStringLiteral, ExpressibleByNilLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    case string(String)
    case null
    case int(Int)
    case bool(Bool)
    case strings([String])
    init(stringLiteral value: String) { self = .string(value) }
    init(nilLiteral: ()) { self = .null }
    init(integerLiteral value: Int) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array of strings.
    static func array(_ values: [String]) -> JSONValue { .strings(values) }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .strings(let values): try container.encode(values)
        }
    }
}

extension TestClientProtocol {
    /// Creates a task and returns it (asserting 201).
    func createTask(_ fields: [String: JSONValue], as tokens: TokenPairBody, headers: HTTPFields = [:]) async throws -> TaskBody {
        var allHeaders = tokens.bearer
        allHeaders.append(contentsOf: headers)
        let response = try await send(.post, "/api/v1/tasks", json: JSONObject(fields), headers: allHeaders)
        try #require(response.status == .created, "create: \(response.status) \(response.text)")
        return try response.decode(TaskBody.self)
    }

    /// Lists with a raw query string.
    func listTasks(_ query: String, as tokens: TokenPairBody) async throws -> TestResponse {
        try await send(.get, "/api/v1/tasks?\(query)", headers: tokens.bearer)
    }

    /// Follows `next_cursor` to the end, returning every item in order.
    func walkTasks(_ query: String, as tokens: TokenPairBody) async throws -> [TaskBody] {
        var items: [TaskBody] = []
        var cursor: String?
        repeat {
            let suffix = cursor.map { "&cursor=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" } ?? ""
            let response = try await listTasks(query + suffix, as: tokens)
            try #require(response.status == .ok, "list: \(response.status) \(response.text)")
            let page = try response.decode(TaskPageBody.self)
            items += page.items
            cursor = page.nextCursor
        } while cursor != nil
        return items
    }
}
