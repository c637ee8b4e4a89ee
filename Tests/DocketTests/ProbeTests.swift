import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

@Suite("Probes and the contract")
struct ProbeTests {
    struct Readiness: Decodable {
        let status: String
        let database: String
    }

    @Test("health answers 200 ok with the version docket version prints and the contract states", arguments: TestBackend.all)
    func health(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let response = try await client.send(.get, "/health")
            #expect(response.status == .ok)
            #expect(response.text == #"{"status":"ok","version":"\#(DocketVersion.current)"}"#)
            let contract = try await client.send(.get, "/openapi.yaml").text
            #expect(contract.contains("\n  version: \(DocketVersion.current)\n"))
        }
    }

    @Test("ready answers 200 with the backend once migrated", arguments: TestBackend.all)
    func ready(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let response = try await client.send(.get, "/ready")
            #expect(response.status == .ok)
            let body = try response.decode(Readiness.self)
            #expect(body.status == "ready")
            #expect(body.database == backend.rawValue)
        }
    }

    @Test("ready answers a 503 problem while migrations are pending", arguments: TestBackend.all)
    func readyWithoutMigrations(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.autoMigrate = false }.run { client, database in
            try await client.send(.get, "/ready").expectProblem(.serviceUnavailable, "service-unavailable")
            try await database.migrateUp()
            #expect(try await client.send(.get, "/ready").status == .ok)
        }
    }

    @Test("ready answers a 503 problem when the database is unreachable")
    func readyWithDatabaseDown() async throws {
        let app = try await TestApp.make(.sqlite) { config in
            config.autoMigrate = false
            config.database = .postgres(url: "postgres://nobody:secret@127.0.0.1:1/none")
        }
        try await app.run { client, _ in
            let problem = try await client.send(.get, "/ready").expectProblem(.serviceUnavailable, "service-unavailable")
            #expect(problem.detail?.contains("secret") == false)
        }
        #expect(!app.logs.lines.joined().contains("secret"))
    }

    @Test("GET /openapi.yaml serves the very contract file")
    func servesContract() async throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/DocketAPI/openapi.yaml")
        let expected = try String(contentsOf: source, encoding: .utf8)
        try await TestApp.make(.sqlite).run { client, _ in
            let response = try await client.send(.get, "/openapi.yaml")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
            #expect(response.text == expected)
        }
    }

    @Test("GET /docs serves an HTML page rendering the relative contract URL")
    func servesDocs() async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let response = try await client.send(.get, "/docs")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(response.text.contains(#"url: "openapi.yaml""#))
            #expect(response.text.contains("swagger-ui"))
        }
    }
}
