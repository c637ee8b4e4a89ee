import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

@Suite("Request IDs")
struct RequestIDTests {
    @Test("a well-formed incoming X-Request-ID is echoed and logged")
    func echoesIncoming() async throws {
        let app = try await TestApp.make(.sqlite)
        try await app.run { client, _ in
            let response = try await client.send(.get, "/health", headers: [.requestID: "abc-123_DEF.4:5"])
            #expect(response.headers[.requestID] == "abc-123_DEF.4:5")
        }
        let line = try #require(app.logs.lines.first { $0.contains("request completed") })
        let fields = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        #expect(fields["request_id"] as? String == "abc-123_DEF.4:5")
        #expect(fields["route"] as? String == "/health")
        #expect(fields["method"] as? String == "GET")
        #expect(fields["status"] as? Int == 200)
        #expect(fields["duration_ms"] is Double)
        #expect(fields["timestamp"] is String)
    }

    @Test("a malformed or oversized X-Request-ID is replaced", arguments: ["has space", "quote\"", String(repeating: "a", count: 129), "ünï"])
    func replacesMalformed(incoming: String) async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let response = try await client.send(.get, "/health", headers: [.requestID: incoming])
            let echoed = try #require(response.headers[.requestID])
            #expect(echoed != incoming)
            #expect(RequestIDMiddleware.acceptable(echoed) == echoed)
        }
    }

    @Test("each request without an ID gets a different one, on errors too")
    func generatesUnique() async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let first = try await client.send(.get, "/health").headers[.requestID]
            let second = try await client.send(.get, "/nope")
            #expect(first != nil)
            #expect(second.headers[.requestID] != nil)
            #expect(first != second.headers[.requestID])
            try second.expectProblem(.notFound, "not-found")
        }
    }
}
