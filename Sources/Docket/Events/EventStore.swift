import Foundation
import Logging
import SQLKit

/// Reads the outbox: a user's events after a position, their newest number, what the retention window removed.
struct EventStore: Sendable {
    let database: DocketDatabase

    /// Up to `limit` of `owner`'s events after `seq` (and up to `through`), oldest first, optionally only of `types`.
    func events(
        of owner: UUID, after seq: Int64, through: Int64? = nil, limit: Int, types: Set<String>? = nil, logger: Logger
    ) async throws -> [StoredEvent] {
        if types?.isEmpty == true { return [] }
        var query = database.sql(logger: logger).select().column("*").from("events")
            .where("user_id", .equal, SQLBind(owner)).where("seq", .greaterThan, SQLBind(seq))
        if let through { query = query.where("seq", .lessThanOrEqual, SQLBind(through)) }
        if let types { query = query.where("type", .in, SQLBind.group(Array(types).sorted())) }
        return try await query.orderBy("seq").limit(limit).all(decoding: StoredEvent.self)
    }

    /// `owner`'s newest event number (0 before the first).
    func head(of owner: UUID, logger: Logger) async throws -> Int64 {
        try await database.sql(logger: logger).select().column("last_seq").from("event_streams")
            .where("user_id", .equal, SQLBind(owner)).first()?.decode(column: "last_seq", as: Int64.self) ?? 0
    }

    /// The newest event number of each of `owners` that has one.
    func heads(of owners: [UUID], logger: Logger) async throws -> [UUID: Int64] {
        guard !owners.isEmpty else { return [:] }
        var heads: [UUID: Int64] = [:]
        for chunk in stride(from: 0, to: owners.count, by: 500).map({ Array(owners[$0..<min($0 + 500, owners.count)]) }) {
            let rows = try await database.sql(logger: logger).select().column("user_id").column("last_seq").from("event_streams")
                .where("user_id", .in, SQLBind.group(chunk)).all()
            for row in rows { heads[try row.decode(column: "user_id", as: UUID.self)] = try row.decode(column: "last_seq", as: Int64.self) }
        }
        return heads
    }

    /// Whether event `seq` of `owner` is still stored (numbers are gapless, so a missing one was purged).
    func contains(_ seq: Int64, of owner: UUID, logger: Logger) async throws -> Bool {
        try await database.sql(logger: logger).select().column("seq").from("events")
            .where("user_id", .equal, SQLBind(owner)).where("seq", .equal, SQLBind(seq)).first() != nil
    }

    /// Checks that a feed may resume after `seq`: 410 (with the newest number) when the events after it were purged or
    /// `seq` lies beyond the newest; returns the newest number.
    func checkResumable(after seq: Int64, of owner: UUID, logger: Logger) async throws -> Int64 {
        let head = try await head(of: owner, logger: logger)
        var resumable = seq <= head
        if resumable && seq < head { resumable = try await contains(seq + 1, of: owner, logger: logger) }
        guard !resumable else { return head }
        var error = AppError(
            .gone,
            seq > head
                ? "Event \(seq) does not exist (the newest is \(head)); refetch, then resume after last_seq."
                : "Events after \(seq) are past the retention window; refetch, then resume after last_seq.")
        error.members["last_seq"] = head
        throw error
    }
}
