import DocketRedis
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import SQLKit
import Testing

@testable import Docket

/// How events reach Docket's consumers in a test: straight from the outbox, or through a Redis stream.
enum TestTransport: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case database
    case broker

    var testDescription: String { rawValue }

    /// Every backend with every transport.
    static var matrix: [(TestBackend, TestTransport)] { TestBackend.all.flatMap { backend in allCases.map { (backend, $0) } } }

    /// Sets `config` up for this transport: a fresh stream of the shared Redis for `broker`; quick retries either way.
    func configure(_ config: inout DocketConfig) throws {
        config.consumers.enabled = true
        config.consumers.retryDelay = .seconds(1)
        config.consumers.maxAttempts = 2
        guard self == .broker else { return }
        var settings = BrokerSettings(endpoint: try TestRedis.endpoint())
        settings.stream = TestRedis.uniqueStream()
        settings.leaseSeconds = 2
        config.broker = settings
    }
}

/// `GET /api/v1/stats` as the client reads it.
struct StatsBody: Decodable, Equatable {
    let asOfSeq: Int64
    let eventsBehind: Int64
    let open: Int
    let done: Int
    let byStatus: [String: Int]
    let byPriority: [String: Int]
    let overdue: Int
    let completedPerDay: [DayCount]

    struct DayCount: Decodable, Equatable {
        let date: String
        let count: Int
    }

    enum CodingKeys: String, CodingKey {
        case open, done, overdue
        case asOfSeq = "as_of_seq"
        case eventsBehind = "events_behind"
        case byStatus = "by_status"
        case byPriority = "by_priority"
        case completedPerDay = "completed_per_day"
    }
}

extension TestClientProtocol {
    /// The caller's statistics.
    func stats(as tokens: TokenPairBody) async throws -> StatsBody {
        let response = try await send(.get, "/api/v1/stats", headers: tokens.bearer)
        try #require(response.status == .ok, "\(response.text)")
        return try response.decode(StatsBody.self)
    }

    /// The caller's statistics once they include every event the caller has (fails after `timeout`).
    func currentStats(as tokens: TokenPairBody, timeout: Duration = .seconds(30)) async throws -> StatsBody {
        var latest = try await stats(as: tokens)
        let deadline = ContinuousClock.now + timeout
        while latest.eventsBehind > 0 || latest.asOfSeq == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            latest = try await stats(as: tokens)
        }
        try #require(latest.eventsBehind == 0, "the statistics stayed \(latest.eventsBehind) events behind")
        return latest
    }
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}

/// A count from a one-row query.
func count(_ query: SQLQueryString, in database: DocketDatabase) async throws -> Int {
    let row = try await database.sql(logger: database.logger).raw(query).first()
    return Int(try row?.decode(column: "count", as: Int64.self) ?? 0)
}

/// The statistics read model's rows for `owner`, in a comparable form.
func statsRows(of owner: String, in database: DocketDatabase) async throws -> [String] {
    let sql = database.sql(logger: database.logger)
    var rows: [String] = []
    for row in try await sql.raw(
        "SELECT task_id, status, priority, due_date, deleted, last_seq FROM stats_tasks WHERE user_id = \(bind: UUID(uuidString: owner)!) ORDER BY task_id"
    ).all() {
        rows.append(
            [
                try row.decode(column: "task_id", as: UUID.self).uuidString, try row.decode(column: "status", as: String.self),
                try row.decode(column: "priority", as: String.self), try row.decode(column: "due_date", as: String?.self) ?? "-",
                "\(try row.decode(column: "deleted", as: Bool.self))", "\(try row.decode(column: "last_seq", as: Int64.self))",
            ].joined(separator: " "))
    }
    for row in try await sql.raw(
        "SELECT event_id, day FROM stats_completions WHERE user_id = \(bind: UUID(uuidString: owner)!) ORDER BY event_id"
    ).all() {
        rows.append("completion \(try row.decode(column: "event_id", as: String.self)) \(try row.decode(column: "day", as: String.self))")
    }
    return rows
}

/// A broker that passes the first `passing` messages of a publish on to a real one and then fails, as a relay that dies
/// mid-batch would.
struct FailingBroker: EventBroker {
    let real: any EventBroker
    let passing: Int

    struct Died: Error {}

    func publish(_ messages: [BrokerMessage]) async throws {
        try await real.publish(Array(messages.prefix(passing)))
        throw Died()
    }
    func erase(userID: UUID) async throws -> Int { try await real.erase(userID: userID) }
    func ready() async throws { try await real.ready() }
    func createGroup(_ group: String) async throws { try await real.createGroup(group) }
    func receive(group: String, consumer: String, limit: Int, wait: Duration) async throws -> [BrokerDelivery] {
        try await real.receive(group: group, consumer: consumer, limit: limit, wait: wait)
    }
    func reclaim(group: String, consumer: String, idle: Duration, limit: Int) async throws -> [BrokerDelivery] {
        try await real.reclaim(group: group, consumer: consumer, idle: idle, limit: limit)
    }
    func acknowledge(_ deliveryIDs: [String], group: String) async throws { try await real.acknowledge(deliveryIDs, group: group) }
    func deliveryCount(of deliveryID: String, group: String) async throws -> Int { try await real.deliveryCount(of: deliveryID, group: group) }
    func backlog(of group: String) async throws -> Int { try await real.backlog(of: group) }
    func newestPosition() async throws -> BrokerPosition { try await real.newestPosition() }
    func deliveredPosition(of group: String) async throws -> BrokerPosition? { try await real.deliveredPosition(of: group) }
    func close() async { await real.close() }
}

/// An open start gate, for services a test runs itself.
func openGate() -> StartGate {
    let gate = StartGate()
    gate.open()
    return gate
}
