#if OpenTelemetry
    import Foundation
    import HTTPTypes
    import Hummingbird
    import HummingbirdTesting
    import Logging
    import NIOCore
    import Synchronization
    import Testing

    @testable import Docket

    /// Only in builds with the `OpenTelemetry` trait: spans leave the process over real OTLP/HTTP to a collector stub.
    @Suite("OTLP trace export")
    struct OTLPExportTests {
        static let incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

        @Test("request spans reach an OTLP/HTTP collector: the caller's trace, route-template names, database children")
        func exportsSpans() async throws {
            let collector = CollectorStub()
            try await collector.application().test(.live) { collectorClient in
                let port = try #require(collectorClient.port)
                var settings = TracingSettings()
                settings.endpoint = "http://127.0.0.1:\(port)/v1/traces"
                settings.encoding = .json
                settings.headers = [.init(name: "x-collector-key", value: "secret-1")]
                settings.serviceName = "docket-under-test"
                let tracing = try #require(try RequestTracing.make(settings, logger: Logger(label: "otel-test")))
                let app = try await TestApp.make(.sqlite, tracing: tracing)
                try await app.run { client, _ in
                    let tokens = try await client.register()
                    let task = try await client.createTask(["title": "exported"], as: tokens)
                    var headers = tokens.bearer
                    headers[HTTPField.Name("traceparent")!] = Self.incoming
                    let response = try await client.send(.get, "/api/v1/tasks/\(task.id)", headers: headers)
                    #expect(response.status == .ok)
                }
                // Stopping the app flushes the batch processor; allow the collector a moment to receive it.
                let deadline = ContinuousClock.now + .seconds(10)
                while collector.spans.first(where: { $0.name == "GET /api/v1/tasks/{id}" }) == nil, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            let spans = collector.spans
            let server = try #require(spans.first { $0.name == "GET /api/v1/tasks/{id}" }, "exported: \(spans.map(\.name))")
            #expect(server.traceID == "0af7651916cd43dd8448eb211c80319c")
            #expect(server.parentSpanID == "b7ad6b7169203331")
            #expect(server.kind == 2, "SPAN_KIND_SERVER")
            #expect(spans.contains { $0.name == "POST /api/v1/tasks" && $0.traceID != server.traceID })
            let read = try #require(spans.first { $0.parentSpanID == server.spanID })
            #expect(read.name == "db task_get")
            #expect(read.traceID == server.traceID)
            #expect(collector.serviceNames == ["docket-under-test"])
            #expect(collector.headerValues == ["secret-1"])
        }
    }

    /// A minimal OTLP/HTTP JSON collector: accepts `POST /v1/traces` and keeps the spans it was sent.
    final class CollectorStub: Sendable {
        /// One exported span, with IDs as lowercase hex.
        struct ExportedSpan: Sendable {
            let name: String
            let traceID: String
            let spanID: String
            let parentSpanID: String?
            let kind: Int
        }

        private let state = Mutex<(spans: [ExportedSpan], services: Set<String>, headers: Set<String>)>(([], [], []))

        var spans: [ExportedSpan] { state.withLock { $0.spans } }
        var serviceNames: Set<String> { state.withLock { $0.services } }
        var headerValues: Set<String> { state.withLock { $0.headers } }

        func application() -> some ApplicationProtocol {
            let router = Router()
            router.post("/v1/traces") { request, _ -> Response in
                let body = try await request.body.collect(upTo: 16 * 1024 * 1024)
                try self.record(Data(buffer: body), key: request.headers[HTTPField.Name("x-collector-key")!])
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
            }
            return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        }

        private func record(_ body: Data, key: String?) throws {
            let root = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            var spans: [ExportedSpan] = []
            var services: Set<String> = []
            for resourceSpans in root["resourceSpans"] as? [[String: Any]] ?? [] {
                let resource = resourceSpans["resource"] as? [String: Any]
                for attribute in resource?["attributes"] as? [[String: Any]] ?? [] where attribute["key"] as? String == "service.name" {
                    if let name = (attribute["value"] as? [String: Any])?["stringValue"] as? String { services.insert(name) }
                }
                for scope in resourceSpans["scopeSpans"] as? [[String: Any]] ?? [] {
                    for span in scope["spans"] as? [[String: Any]] ?? [] {
                        spans.append(
                            ExportedSpan(
                                name: span["name"] as? String ?? "", traceID: Self.hex(span["traceId"]), spanID: Self.hex(span["spanId"]),
                                parentSpanID: (span["parentSpanId"] as? String).flatMap { $0.isEmpty ? nil : Self.hex($0) },
                                kind: span["kind"] as? Int ?? 0))
                    }
                }
            }
            state.withLock { state in
                state.spans += spans
                state.services.formUnion(services)
                if let key { state.headers.insert(key) }
            }
        }

        /// OTLP/JSON IDs are hex; protobuf's generic JSON mapping would give base64. Accept both.
        private static func hex(_ value: Any?) -> String {
            guard let text = value as? String else { return "" }
            if text.count == 32 || text.count == 16, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
            guard let bytes = Data(base64Encoded: text) else { return text }
            return bytes.map { String(format: "%02x", $0) }.joined()
        }
    }
#endif
