import DocketAPI
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OpenAPIRuntime
import Testing

@testable import Docket

@Suite("The fast path answers what the generated path would")
struct FastPathTests {
    /// Random texts with what JSON must escape, what it must not, and what breaks naive writers.
    static func randomText(_ generator: inout some RandomNumberGenerator, maxLength: Int = 40) -> String {
        let pieces = [
            "a", "Z", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}", "é", "ß", "日本", "👩‍💻", "\u{2028}",
            "\u{FEFF}", "e\u{301}", "<", "&", "'", "{", "]", ",", ":",
        ]
        let length = Int.random(in: 0...maxLength, using: &generator)
        return (0..<length).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    static func randomTask(_ generator: inout some RandomNumberGenerator) -> TaskRecord {
        let second: Int64 = 1_000_000
        func instant() -> Int64 { Int64.random(in: 0...(4_102_444_800 * second), using: &generator) }
        let created = instant()
        return TaskRecord(
            id: UUID(), userID: UUID(), title: randomText(&generator).isEmpty ? "x" : randomText(&generator),
            description: Bool.random(using: &generator) ? randomText(&generator, maxLength: 200) : nil,
            status: [TaskStatus.todo, .inProgress, .done].randomElement(using: &generator)!,
            priority: [TaskPriority.low, .medium, .high].randomElement(using: &generator)!, priorityRank: 0,
            dueDate: Bool.random(using: &generator) ? String(format: "%04d-%02d-%02d", Int.random(in: 1970...2999, using: &generator), 7, 31) : nil,
            dueAsc: "", dueDesc: "", completedAt: Bool.random(using: &generator) ? instant() : nil, createdAt: created,
            updatedAt: created + Int64.random(in: 0...second * 86_400, using: &generator), version: Int.random(in: 1...1_000_000, using: &generator))
    }

    /// The generated layer's encoding: its encoder options and date transcoder, as `buildRouter` configures them.
    static func generatedJSON(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let transcoder = ISO8601Transcoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(try transcoder.encode(date))
        }
        return try encoder.encode(value)
    }

    /// Holds two JSON documents equal as values, with their object keys in the same order. The generated layer's encoder
    /// writes `/` as `\/`, which Foundation's parser then reads wrongly when U+FEFF follows (it drops the BOM); with
    /// `slashesEscaped` that escape is undone first (safe for such output, where every `/` is escaped).
    static func expectSameJSON(
        _ fast: ByteBuffer, _ generated: Data, slashesEscaped: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let text = String(decoding: generated, as: UTF8.self)
        let generated = Data((slashesEscaped ? text.replacingOccurrences(of: "\\/", with: "/") : text).utf8)
        let fastData = Data(buffer: fast)
        let fastValue = try JSONSerialization.jsonObject(with: fastData) as! NSObject
        let generatedValue = try JSONSerialization.jsonObject(with: generated) as! NSObject
        #expect(
            fastValue == generatedValue, "fast \(String(decoding: fastData, as: UTF8.self)) generated \(String(decoding: generated, as: UTF8.self))",
            sourceLocation: sourceLocation)
        #expect(
            ContractRulesTests.keys(String(decoding: fastData, as: UTF8.self))
                == ContractRulesTests.keys(String(decoding: generated, as: UTF8.self)), sourceLocation: sourceLocation)
    }

    @Test("tasks and pages written by the fast encoder equal the generated Codable encoding (random tasks, seed printed)")
    func taskEncodingMatchesCodable() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("FastPathTests seed \(seed)")
        var generator = FuzzTests.SeededGenerator(state: seed)
        for _ in 0..<500 {
            let task = Self.randomTask(&generator)
            try Self.expectSameJSON(TaskJSON.task(task), try Self.generatedJSON(Components.Schemas.Task(task)))
        }
        for size in [0, 1, 20] {
            let page = TaskPage(
                items: (0..<size).map { _ in Self.randomTask(&generator) }, limit: 20, nextCursor: size == 20 ? Self.randomText(&generator) : nil,
                total: size == 1 ? 1 : nil)
            try Self.expectSameJSON(TaskJSON.page(page), try Self.generatedJSON(Components.Schemas.TaskPage(page)))
        }
    }

    @Test("problems written by the fast encoder equal their Encodable form (field errors, extension members, escapes)")
    func problemEncodingMatchesCodable() throws {
        var generator = FuzzTests.SeededGenerator(state: UInt64.random(in: 0...UInt64.max))
        for index in 0..<200 {
            let errors = (0..<(index % 3)).map { _ in FieldError(pointer: "/" + Self.randomText(&generator), message: Self.randomText(&generator)) }
            var error = AppError(.validationFailed, Self.randomText(&generator), fieldErrors: errors)
            if index % 2 == 0 { error.members = ["retry_after": Int64(index), "a_member": -1] }
            let document = ProblemDocument(error: error, instance: "/api/v1/" + Self.randomText(&generator), requestID: "id-\(index)")
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            try Self.expectSameJSON(document.json(), try encoder.encode(document), slashesEscaped: false)
        }
    }

    @Test("with probes not logged, GET /health is answered before the middleware chain with the chain's headers, and counted")
    func healthBeforeTheChain() async throws {
        let app = try await TestApp.make(.sqlite) {
            $0.logLevel = .info
            $0.server.metricsToken = "metrics-token"
        }
        try await app.run { client, _ in try await Self.compareHealthAnswers(client) }
        #expect(!app.logs.lines.contains { $0.contains("request completed") && $0.contains(#""route":"/health""#) })
    }

    static func compareHealthAnswers(_ client: any TestClientProtocol) async throws {
        let fast = try await client.send(.get, "/health")
        // An Origin sends the same probe through the whole chain (CORS must see it): the answers must agree.
        let chained = try await client.send(.get, "/health", headers: [.origin: "https://elsewhere.example"])
        #expect(fast.status == .ok)
        #expect(chained.status == .ok)
        #expect(fast.text == chained.text)
        let names = ["Content-Type", "Cache-Control", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy"]
        for name in names.map({ HTTPField.Name($0)! }) {
            let value: String? = fast.headers[name]
            #expect(value != nil)
            #expect(value == chained.headers[name])
        }
        let fastID: String? = fast.headers[.xRequestID]
        #expect(fastID != nil)
        #expect(fastID != chained.headers[.xRequestID])
        let echoed = try await client.send(.get, "/health", headers: [.xRequestID: "probe-1"])
        #expect(echoed.headers[.xRequestID] == "probe-1")
        let metrics = try await client.send(.get, "/metrics", headers: [.authorization: "Bearer metrics-token"]).text
        let series = metrics.split(separator: "\n").filter { $0.hasPrefix("http_requests_total{") && $0.contains("route=\"/health\"") }
        #expect(series.count == 1)
        #expect(series.first?.hasSuffix(" 3") == true)
    }

    @Test(
        "the hand-written task reads keep the contract: 304 on a matching If-None-Match, 406 for an Accept they cannot meet",
        arguments: TestBackend.all)
    func taskReadsKeepTheContract(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, _ in
            let owner = try await client.register()
            let task = try await client.createTask(["title": "fast \"path\" / ü", "description": "line\nbreak"], as: owner)
            let url = "/api/v1/tasks/\(task.id)"
            let fetched = try await client.send(.get, url, headers: owner.bearer)
            #expect(fetched.status == .ok)
            #expect(try fetched.decode(TaskBody.self) == task)
            #expect(fetched.headers[.contentType] == "application/json; charset=utf-8")
            var conditional = owner.bearer
            conditional[.ifNoneMatch] = try #require(fetched.headers[.eTag])
            let notModified = try await client.send(.get, url, headers: conditional)
            #expect(notModified.status == .notModified && notModified.body.readableBytes == 0)
            var html = owner.bearer
            html[.accept] = "text/html"
            try await client.send(.get, "/api/v1/tasks", headers: html).expectProblem(.notAcceptable, "not-acceptable")
            try await client.send(.get, url, headers: html).expectProblem(.notAcceptable, "not-acceptable")
            let page = try await client.send(.get, "/api/v1/tasks?status=todo&status=done&include_total=true&limit=5", headers: owner.bearer)
            let body = try page.decode(TaskPageBody.self)
            #expect(body.items == [task] && body.total == 1 && body.limit == 5)
            try await client.send(.get, "/api/v1/tasks").expectProblem(.unauthorized, "unauthorized")
        }
    }

    @Test("each account's task count is kept with every insert and delete, and the migration fills it from the tasks", arguments: TestBackend.all)
    func taskCounts(backend: TestBackend) async throws {
        try await TestApp.make(backend).run { client, database in
            let owner = try await client.register()
            var ids: [String] = []
            for index in 0..<3 { ids.append(try await client.createTask(["title": .string("t\(index)")], as: owner).id) }
            #expect(try await client.send(.delete, "/api/v1/tasks/\(ids[0])", headers: owner.bearer).status == .noContent)
            let sql = database.sql(logger: database.logger)
            func held() async throws -> [Int] {
                try await sql.raw("SELECT held FROM task_counts").all().map { try $0.decode(column: "held", as: Int.self) }
            }
            #expect(try await held() == [2])
            try await CreateTaskCounts().revert(on: database.database(logger: database.logger))
            try await CreateTaskCounts().prepare(on: database.database(logger: database.logger))
            #expect(try await held() == [2])
        }
    }

    @Test("a buffered log sink writes every line it does not drop, counts the drops and says so in the log")
    func bufferedLogSink() async throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let descriptors = ends
        let metrics = DocketMetrics()
        let sink = LogSink.buffered(descriptor: descriptors[1], capacity: 4096)
        sink.countDrops(in: metrics.logLinesDropped)
        // The pipe holds 64 KiB and is not read yet: the writer blocks, the buffer fills, and lines must be dropped.
        let line = String(repeating: "x", count: 90) + "\n"
        for index in 0..<2000 { sink.write(String(format: "%05d", index) + line) }
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            var received: [UInt8] = []
            while true {
                let count = read(descriptors[0], &buffer, buffer.count)
                if count <= 0 { break }
                received += buffer[0..<count]
            }
            try? Data(received).write(to: URL(fileURLWithPath: "/tmp/docket-logsink-\(descriptors[0]).out"))
        }
        reader.start()
        sink.close()
        close(descriptors[1])
        let output = URL(fileURLWithPath: "/tmp/docket-logsink-\(descriptors[0]).out")
        var text: String?
        for _ in 0..<500 where text == nil {
            try await Task.sleep(for: .milliseconds(10))
            text = try? String(contentsOf: output, encoding: .utf8)
        }
        close(descriptors[0])
        try? FileManager.default.removeItem(at: output)
        let lines = try #require(text).split(separator: "\n")
        let written = lines.filter { $0.hasSuffix("xxxx") }
        let notices = lines.filter { $0.contains("log lines dropped") }
        let dropped = notices.compactMap { $0.split(separator: ":").last.flatMap { Int($0.dropLast()) } }.reduce(0, +)
        #expect(dropped > 0)
        #expect(written.count + dropped == 2000)
        #expect(written.map { Int($0.prefix(5))! } == written.map { Int($0.prefix(5))! }.sorted())
        #expect(String(decoding: metrics.render(), as: UTF8.self).contains("docket_log_lines_dropped_total \(dropped)"))
    }
}
