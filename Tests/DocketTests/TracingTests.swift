import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing
import Tracing

@testable import Docket

@Suite("Request tracing")
struct TracingTests {
    static let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test("each request is a server span named by its route template, continuing the caller's trace", arguments: TestBackend.all)
    func serverSpans(backend: TestBackend) async throws {
        let tracer = RecordingTracer()
        let app = try await TestApp.make(backend, tracing: tracer.tracing)
        let taskID = try await app.run { client, _ in
            let tokens = try await client.register()
            let task = try await client.createTask(["title": "traced"], as: tokens)
            var headers = tokens.bearer
            headers[HTTPField.Name("traceparent")!] = Self.incoming
            headers[.requestID] = "traced-request"
            let response = try await client.send(.get, "/api/v1/tasks/\(task.id)", headers: headers)
            #expect(response.status == .ok)
            return task.id
        }
        let spans = tracer.recorded
        let server = try #require(
            spans.first { $0.kind == .server && $0.attributes["url.path"]?.toSpanAttribute() == .string("/api/v1/tasks/\(taskID)") })
        #expect(server.operationName == "GET /api/v1/tasks/{id}")
        #expect(server.identity.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(server.parentSpanID == "00f067aa0ba902b7")
        #expect(server.attributes["http.route"]?.toSpanAttribute() == .string("/api/v1/tasks/{id}"))
        #expect(server.attributes["http.response.status_code"]?.toSpanAttribute() == .int64(200))
        #expect(server.attributes["docket.request_id"]?.toSpanAttribute() == .string("traced-request"))
        #expect(server.status == nil)
        #expect(spans.allSatisfy { $0.ended })

        // The database read inside the request is a client span of that server span, in the same trace.
        let read = try #require(spans.first { $0.parentSpanID == server.identity.spanID })
        #expect(read.operationName == "db task_get")
        #expect(read.kind == .client)
        #expect(read.identity.traceID == server.identity.traceID)

        // The trace ID is on the request's log lines.
        let line = try #require(app.logs.lines.first { $0.contains("traced-request") && $0.contains("request completed") })
        #expect(line.contains("\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\""))
    }

    @Test("a request without traceparent starts a new trace; its log lines carry the new trace ID")
    func newTrace() async throws {
        let tracer = RecordingTracer()
        let app = try await TestApp.make(.sqlite, tracing: tracer.tracing)
        try await app.run { client, _ in
            let response = try await client.send(.get, "/nope", headers: [.requestID: "untraced-request"])
            try response.expectProblem(.notFound, "not-found")
        }
        let server = try #require(tracer.recorded.first { $0.kind == .server })
        #expect(server.parentSpanID == nil)
        #expect(server.attributes["http.response.status_code"]?.toSpanAttribute() == .int64(404))
        #expect(server.status == nil, "a client error is not a server span error")
        let line = try #require(app.logs.lines.first { $0.contains("untraced-request") && $0.contains("request completed") })
        #expect(line.contains("\"trace_id\":\"\(server.identity.traceID)\""))
    }

    @Test("a server error marks the server span and the failing database span as errors")
    func serverErrorStatus() async throws {
        let tracer = RecordingTracer()
        let app = try await TestApp.make(.sqlite, tracing: tracer.tracing)
        try await app.run { client, database in
            let tokens = try await client.register()
            // Break storage underneath the server: the listing query cannot run.
            try await database.sql(logger: database.logger).raw("DROP TABLE tasks").run()
            let response = try await client.listTasks("limit=5", as: tokens)
            try response.expectProblem(.internalServerError, "internal")
        }
        let server = try #require(tracer.recorded.first { $0.kind == .server && $0.operationName == "GET /api/v1/tasks" })
        #expect(server.status?.code == .error)
        #expect(server.attributes["http.response.status_code"]?.toSpanAttribute() == .int64(500))
        let query = try #require(tracer.recorded.first { $0.parentSpanID == server.identity.spanID && $0.operationName == "db task_list" })
        #expect(query.status?.code == .error)
    }

    @Test("without an OTLP endpoint there is no tracing; OTEL_SDK_DISABLED wins over an endpoint")
    func offByDefault() throws {
        let defaults = try DocketConfig.load(from: [:])
        let tracing = try RequestTracing.make(defaults.tracing, logger: Logger(label: "test"))
        #expect(tracing == nil)
        let disabled = try DocketConfig.load(from: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SDK_DISABLED": "true"])
        #expect(disabled.tracing.endpoint == nil)
        var settings = TracingSettings()
        settings.endpoint = "http://127.0.0.1:9/v1/traces"
        let configured = try RequestTracing.make(settings, logger: Logger(label: "test"))
        #expect((configured != nil) == RequestTracing.exportBuiltIn, "without the trait a configured endpoint only logs a warning")
    }
}
