import FluentKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Docket

@Suite("Operations: metrics, hardening headers, CORS, proxies, tracing")
struct OperationsTests {
    @Test("/metrics exposes the listed series labelled by route template", arguments: TestBackend.all)
    func metrics(backend: TestBackend) async throws {
        try await TestApp.make(backend) { $0.server.metricsToken = "metrics-token" }.run { client, _ in
            let owner = try await client.register()
            let task = try await client.createTask(["title": "measured"], as: owner)
            _ = try await client.send(.get, "/api/v1/tasks/\(task.id)", headers: owner.bearer)
            _ = try await client.send(.get, "/api/v1/tasks?limit=5", headers: owner.bearer)
            _ = try await client.me("not-a-token")
            let response = try await client.send(.get, "/metrics", headers: [.authorization: "Bearer metrics-token"])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = response.text
            #expect(text.contains(#"http_requests_total{method="GET",route="/api/v1/tasks/{id}",status="200"} 1"#))
            #expect(text.contains(#"http_requests_total{method="POST",route="/api/v1/tasks",status="201"} 1"#))
            #expect(text.contains(#"http_request_duration_seconds_bucket{method="GET",route="/api/v1/tasks""#))
            #expect(!text.contains("route=\"/api/v1/tasks/\(task.id)\""))
            #expect(text.contains("http_requests_in_flight"))
            #expect(text.contains("password_hashes_in_flight"))
            #expect(text.contains(#"database_query_duration_seconds_bucket{operation="task_list""#))
            #expect(text.contains(#"auth_failures_total{reason="malformed"} 1"#))
        }
    }

    @Test("metrics are not public: a bearer token, a separate listener, or a 403 that says how")
    func metricsProtection() async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let closed = try await client.send(.get, "/metrics").expectProblem(.forbidden, "forbidden")
            #expect(closed.detail?.contains("DOCKET_METRICS_TOKEN") == true && closed.detail?.contains("DOCKET_METRICS_ADDRESS") == true)
        }
        let port = Int.random(in: 20_000..<40_000)
        try await TestApp.make(.sqlite) { $0.server.metricsAddress = ("127.0.0.1", port) }.run(.live) { client, _ in
            let elsewhere = try await client.send(.get, "/metrics").expectProblem(.notFound, "not-found")
            #expect(elsewhere.detail?.contains("\(port)") == false, "the 404 does not say where the listener is")
            var separate: (status: Int, body: String)?
            for _ in 0..<50 where separate == nil {
                separate = try? Self.fetch("http://127.0.0.1:\(port)/metrics")
                if separate == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(separate?.status == 200 && separate?.body.contains("http_requests_in_flight") == true)
        }
        try await TestApp.make(.sqlite) { $0.server.metricsToken = "s3cret-metrics" }.run { client, _ in
            try await client.send(.get, "/metrics").expectProblem(.unauthorized, "unauthorized")
            try await client.send(.get, "/metrics", headers: [.authorization: "Bearer wrong"]).expectProblem(.unauthorized, "unauthorized")
            #expect(try await client.send(.get, "/metrics", headers: [.authorization: "Bearer s3cret-metrics"]).status == .ok)
        }
        try await TestApp.make(.sqlite) { $0.server.metricsEnabled = false }.run { client, _ in
            try await client.send(.get, "/metrics").expectProblem(.notFound, "not-found")
        }
    }

    @Test("rate-limit rejections and token-family revocations are counted")
    func securityCounters() async throws {
        let app = try await TestApp.make(.sqlite) {
            $0.auth.accountLimit = RateLimitPolicy(capacity: 1, periodSeconds: 600)
            $0.server.metricsToken = "metrics-token"
        }
        try await app.run { client, _ in
            let tokens = try await client.register()
            _ = try await client.refresh(tokens.refreshToken)
            _ = try await client.refresh(tokens.refreshToken)
            _ = try await client.login(email: tokens.user.email)
            _ = try await client.login(email: tokens.user.email)
            let text = try await client.send(.get, "/metrics", headers: [.authorization: "Bearer metrics-token"]).text
            #expect(text.contains(#"token_family_revocations_total{cause="reuse"} 1"#))
            #expect(text.contains(#"rate_limit_rejections_total{bucket="login-account"} 1"#))
        }
    }

    @Test("every response carries hardening headers; /docs gets a CSP that allows its own script")
    func securityHeaders() async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            for path in ["/health", "/nope", "/api/v1/users/me"] {
                let response = try await client.send(.get, path)
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(path)")
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(path)")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer", "\(path)")
                #expect(response.headers[HTTPField.Name("Content-Security-Policy")!]?.hasPrefix("default-src 'none'") == true, "\(path)")
                #expect(response.headers[HTTPField.Name("Strict-Transport-Security")!] == nil, "\(path)")
            }
            let docs = try await client.send(.get, "/docs")
            let policy = try #require(docs.headers[HTTPField.Name("Content-Security-Policy")!])
            #expect(policy.contains("script-src 'self' 'sha256-"))
            #expect(!policy.contains("https:") && !policy.contains("script-src *"))
        }
    }

    @Test("/docs works offline: its pinned Swagger UI assets come from the server itself")
    func offlineDocs() async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let page = try await client.send(.get, "/docs").text
            #expect(!page.contains("http://") && !page.contains("https://"))
            for (asset, type, marker) in [
                ("swagger-ui-bundle.js", "text/javascript", "SwaggerUIBundle"), ("swagger-ui.css", "text/css", ".swagger-ui"),
            ] {
                #expect(page.contains("docs/assets/\(asset)"))
                let response = try await client.send(.get, "/docs/assets/\(asset)")
                #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix(type) == true, "\(asset)")
                #expect(response.text.contains(marker), "\(asset)")
                #expect(response.headers[.cacheControl] == "public, max-age=86400")
            }
            try await client.send(.get, "/docs/assets/other.js").expectProblem(.badRequest, "bad-request")
            // With a trailing slash the page's relative links would miss: a redirect to the page itself.
            let slash = try await client.send(.get, "/docs/")
            #expect(slash.status == .permanentRedirect && slash.headers[.location] == "../docs")
        }
    }

    @Test("the contract as YAML and JSON; an Accept the resource cannot meet is a 406, not a 400")
    func contractDocuments() async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let yaml = try await client.send(.get, "/openapi.yaml", headers: [.accept: "application/yaml"])
            #expect(yaml.status == .ok && yaml.text.hasPrefix("openapi: 3.1"))
            let json = try await client.send(.get, "/openapi.json", headers: [.accept: "application/json"])
            #expect(json.status == .ok)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            #expect((document["paths"] as? [String: Any])?["/api/v1/tasks"] != nil)
            let notAcceptable = try await client.send(.get, "/openapi.yaml", headers: [.accept: "application/json"])
            try notAcceptable.expectProblem(.notAcceptable, "not-acceptable")
        }
    }

    @Test("responses that carry tokens or a user's data are never cached; public documents may be")
    func cacheControl() async throws {
        try await TestApp.make(.sqlite).run { client, _ in
            let tokens = try await client.register()
            let registerResponse = try await client.send(
                .post, "/api/v1/auth/login", json: ["email": tokens.user.email, "password": goodPassword])
            #expect(registerResponse.headers[.cacheControl] == "no-store")
            for path in ["/api/v1/users/me", "/api/v1/tasks", "/api/v1/tokens"] {
                #expect(try await client.send(.get, path, headers: tokens.bearer).headers[.cacheControl] == "no-store", "\(path)")
            }
            #expect(try await client.send(.get, "/api/v1/users/me").headers[.cacheControl] == "no-store")
            #expect(try await client.send(.get, "/health").headers[.cacheControl] == "no-store")
            #expect(try await client.send(.get, "/openapi.yaml").headers[.cacheControl] == "public, max-age=300")
        }
    }

    /// A plain HTTP GET outside the test client (for the separate metrics listener).
    static func fetch(_ url: String) throws -> (status: Int, body: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "2", url]
        let pipe = Pipe()
        process.standardOutput = pipe
        try DocketProcess.spawn(process)
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0, let newline = output.lastIndex(of: "\n"), let status = Int(output[output.index(after: newline)...])
        else {
            throw CocoaError(.fileReadUnknown)
        }
        return (status, String(output[..<newline]))
    }

    @Test("X-Forwarded-For and -Proto are believed only from trusted proxies", arguments: [true, false])
    func trustedProxies(trusted: Bool) async throws {
        try await TestApp.make(.sqlite) { config in
            config.server.trustedProxies = trusted ? [IPRange("127.0.0.1")!, IPRange("10.0.0.0/8")!] : []
        }.run(.live) { client, database in
            let headers: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "203.0.113.7, 10.1.2.3", HTTPField.Name("X-Forwarded-Proto")!: "https"]
            let response = try await client.send(
                .post, "/api/v1/auth/login", json: ["email": "x@example.com", "password": "Nope-nope-1"], headers: headers)
            #expect(response.status == .unauthorized)
            #expect((response.headers[HTTPField.Name("Strict-Transport-Security")!] != nil) == trusted)
            let event = try #require(
                try await AuditEventModel.query(on: database.database(logger: database.logger)).filter(\.$eventType == "login_failed").first())
            #expect(event.ip == (trusted ? "203.0.113.7" : "127.0.0.1"))
        }
    }

    @Test("CORS: allowed origins get preflight answers and exposed headers, others get nothing and never *")
    func cors() async throws {
        try await TestApp.make(.sqlite) { $0.server.corsOrigins = ["https://app.example.com"] }.run { client, _ in
            let preflight = try await client.send(
                .options, "/api/v1/tasks",
                headers: [.origin: "https://app.example.com", .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "authorization"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://app.example.com")
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("PATCH") == true)
            #expect(preflight.headers[.accessControlAllowCredentials] == nil)
            let simple = try await client.send(.get, "/health", headers: [.origin: "https://app.example.com"])
            #expect(simple.headers[.accessControlAllowOrigin] == "https://app.example.com")
            #expect(simple.headers[.accessControlExposeHeaders]?.contains("ETag") == true)
            let problem = try await client.send(.get, "/api/v1/users/me", headers: [.origin: "https://app.example.com"])
            #expect(problem.status == .unauthorized && problem.headers[.accessControlAllowOrigin] == "https://app.example.com")

            let evil = try await client.send(
                .options, "/api/v1/tasks", headers: [.origin: "https://evil.example", .accessControlRequestMethod: "POST"])
            try evil.expectProblem(.forbidden, "forbidden")
            #expect(evil.headers[.accessControlAllowOrigin] == nil)
            let evilSimple = try await client.send(.get, "/health", headers: [.origin: "https://evil.example"])
            #expect(evilSimple.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test("a W3C traceparent puts its trace id into the request's log lines")
    func traceparent() async throws {
        let app = try await TestApp.make(.sqlite)
        try await app.run { client, _ in
            _ = try await client.send(
                .get, "/nope", headers: [HTTPField.Name("traceparent")!: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"])
            _ = try await client.send(.get, "/nope", headers: [HTTPField.Name("traceparent")!: "00-zz-00-01"])
        }
        let lines = app.logs.lines.filter { $0.contains("request completed") }
        #expect(lines.contains { $0.contains(#""trace_id":"4bf92f3577b34da6a3ce929d0e0e4736""#) })
        #expect(lines.filter { $0.contains("trace_id") }.count == 1)
    }

    @Test("configuration rejects unsafe CORS and proxy values")
    func hardeningConfig() {
        #expect(throws: ConfigError.self) { try DocketConfig.load(from: ["DOCKET_CORS_ORIGINS": "*"]) }
        #expect(throws: ConfigError.self) { try DocketConfig.load(from: ["DOCKET_TRUSTED_PROXIES": "10.0.0.0/33"]) }
        #expect(throws: ConfigError.self) { try DocketConfig.load(from: ["DOCKET_TLS_CERT_FILE": "/tmp/cert.pem"]) }
        #expect(IPRange("10.0.0.0/8")!.contains("10.200.3.4"))
        #expect(!IPRange("10.0.0.0/8")!.contains("11.0.0.1"))
        #expect(IPRange("::1")!.contains("::1"))
    }
}
