import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// A minimal MCP client over the test router: JSON-RPC requests to `/mcp`, answers read from JSON or an event stream.
struct MCPTestClient {
    let client: any TestClientProtocol
    let token: String
    var sessionID: String?
    private var nextID = 1

    init(_ client: any TestClientProtocol, token: String) {
        self.client = client
        self.token = token
    }

    /// The headers every request carries.
    var headers: HTTPFields {
        var fields: HTTPFields = [
            .authorization: "Bearer \(token)", .accept: "application/json, text/event-stream", .contentType: "application/json",
        ]
        if let sessionID { fields[HTTPField.Name("Mcp-Session-Id")!] = sessionID }
        fields[HTTPField.Name("MCP-Protocol-Version")!] = "2025-06-18"
        return fields
    }

    /// Opens a session (`initialize`, then `notifications/initialized`).
    mutating func initialize() async throws {
        let response = try await client.executeRequest(
            uri: "/mcp", method: .post, headers: headers,
            body: .init(
                string:
                    #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"swift-test","version":"9"}}}"#
            ))
        try #require(response.status == .ok, "initialize: \(response.status) \(String(buffer: response.body))")
        sessionID = try #require(response.headers[HTTPField.Name("Mcp-Session-Id")!])
        _ = try await client.executeRequest(
            uri: "/mcp", method: .post, headers: headers, body: .init(string: #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#))
    }

    /// Sends `method` with `params` and returns the JSON-RPC `result` (or fails the test on an `error`).
    mutating func call(_ method: String, _ params: [String: Any] = [:]) async throws -> [String: Any] {
        let answer = try await request(method, params)
        return try #require(answer["result"] as? [String: Any], "\(method): \(answer)")
    }

    /// Sends `method` and returns the whole JSON-RPC answer.
    mutating func request(_ method: String, _ params: [String: Any] = [:]) async throws -> [String: Any] {
        nextID += 1
        let body = try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": nextID, "method": method, "params": params])
        let response = try await client.executeRequest(uri: "/mcp", method: .post, headers: headers, body: .init(data: body))
        try #require(response.status == .ok, "\(method): \(response.status) \(String(buffer: response.body))")
        let text = String(buffer: response.body)
        let messages =
            text.split(separator: "\n").filter { $0.hasPrefix("data:") }.map { $0.dropFirst(5).trimmingCharacters(in: .whitespaces) } + [text]
        for message in messages {
            if let object = try? JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: Any], object["id"] as? Int == nextID {
                return object
            }
        }
        Issue.record("no answer to \(method) in \(text)")
        return [:]
    }

    /// Calls a tool and returns its result (`content`, `structuredContent`, `isError`).
    mutating func tool(_ name: String, _ arguments: [String: Any] = [:]) async throws -> [String: Any] {
        try await call("tools/call", ["name": name, "arguments": arguments])
    }
}
