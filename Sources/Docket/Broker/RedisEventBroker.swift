import DocketRedis
import Foundation
import Logging

/// Docket's events on one Redis stream (`docket:events` by default), trimmed to about `maxLength` entries, with
/// consumer groups for Docket's own consumers and anyone else's. Publishing and acknowledging share one pipelined
/// connection; each blocking reader gets a connection of its own.
final class RedisEventBroker: EventBroker {
    let stream: String
    private let maxLength: Int
    private let commands: RedisClient
    private let readers: ReaderClients

    init(settings: BrokerSettings, logger: Logger) throws {
        stream = settings.stream
        maxLength = settings.streamMaxLength
        commands = try RedisClient(endpoint: settings.endpoint, logger: logger)
        readers = ReaderClients(endpoint: settings.endpoint, logger: logger)
    }

    func publish(_ messages: [BrokerMessage]) async throws {
        guard !messages.isEmpty else { return }
        _ = try await commands.append(messages.map(\.fields), to: stream, maxLength: maxLength)
    }

    func ready() async throws {
        try await commands.send(RedisCommand("PING"))
    }

    func createGroup(_ group: String) async throws {
        try await commands.createGroup(group, on: stream, startingAt: "0")
    }

    func receive(group: String, consumer: String, limit: Int, wait: Duration) async throws -> [BrokerDelivery] {
        let reader = try await readers.client(for: "\(group)/\(consumer)")
        return try await reader.readGroup(group, consumer: consumer, from: stream, count: limit, block: wait).map(Self.delivery)
    }

    func reclaim(group: String, consumer: String, idle: Duration, limit: Int) async throws -> [BrokerDelivery] {
        let claimed = try await commands.autoClaim(group: group, consumer: consumer, on: stream, minIdle: idle, count: limit)
        if !claimed.deleted.isEmpty {
            // Trimmed away before anyone finished them: nothing left to process.
            try await commands.acknowledge(claimed.deleted, group: group, on: stream)
        }
        return claimed.entries.map(Self.delivery)
    }

    func acknowledge(_ deliveryIDs: [String], group: String) async throws {
        try await commands.acknowledge(deliveryIDs, group: group, on: stream)
    }

    func deliveryCount(of deliveryID: String, group: String) async throws -> Int {
        let entries = try await commands.pending(group: group, on: stream, start: deliveryID, end: deliveryID, count: 1)
        return Int(entries.first?.deliveries ?? 0)
    }

    func backlog(of group: String) async throws -> Int {
        let groups: [StreamGroupInfo]
        do {
            groups = try await commands.groups(of: stream)
        } catch {
            // The stream itself is gone (flushed, or a restart without persistence): so is every group on it.
            if case .server(let message) = error, message.hasPrefix("ERR no such key") { throw BrokerGroupMissing(group: group) }
            throw error
        }
        guard let info = groups.first(where: { $0.name == group }) else { throw BrokerGroupMissing(group: group) }
        return Int((info.lag ?? 0) + info.pending)
    }

    func newestPosition() async throws -> BrokerPosition {
        guard let id = try await commands.newestID(of: stream) else { return .start }
        guard let position = BrokerPosition(id) else { throw RedisError.unexpectedReply("the stream entry id \(id) is not <ms>-<n>") }
        return position
    }

    func deliveredPosition(of group: String) async throws -> BrokerPosition? {
        let groups: [StreamGroupInfo]
        do {
            groups = try await commands.groups(of: stream)
        } catch {
            if case .server(let message) = error, message.hasPrefix("ERR no such key") { return nil }
            throw error
        }
        return groups.first(where: { $0.name == group }).flatMap { BrokerPosition($0.lastDeliveredID) }
    }

    /// Walks the stream a page at a time (it holds about `maxLength` entries) and deletes the entries of `userID`.
    func erase(userID: UUID) async throws -> Int {
        let owner = userID.uuidString.lowercased()
        var start = "-"
        var erased = 0
        while true {
            let page = try await commands.range(of: stream, start: start, count: Self.erasePage)
            let ids = page.filter { $0.fields["user_id"] == owner }.map(\.id)
            erased += Int(try await commands.delete(ids, from: stream))
            guard page.count == Self.erasePage, let last = page.last else { return erased }
            start = "(" + last.id
        }
    }

    /// Entries read per page while erasing an account's.
    private static let erasePage = 1000

    func close() async {
        await commands.close()
        await readers.closeAll()
    }

    private static func delivery(_ entry: StreamEntry) -> BrokerDelivery {
        BrokerDelivery(id: entry.id, message: BrokerMessage(fields: entry.fields), rawFields: entry.fields)
    }
}
