/// The stream commands Docket uses, with their replies read into Swift types.
extension RedisClient {
    /// Appends entries with `XADD` in one pipelined write, trimming the stream to about `maxLength` entries; returns
    /// the new ids. An error reply for any entry is thrown (the entries before it were added).
    public func append(_ entries: [[(String, String)]], to stream: String, maxLength: Int?) async throws(RedisError) -> [String] {
        let trim = maxLength.map { ["MAXLEN", "~", String($0)] } ?? []
        let commands = entries.map { fields in RedisCommand("XADD", [stream] + trim + ["*"] + fields.flatMap { [$0.0, $0.1] }) }
        var ids: [String] = []
        for reply in try await pipeline(commands) {
            if case .error(let message) = reply { throw .server(message) }
            guard let id = reply.string else { throw .unexpectedReply("XADD did not return an id") }
            ids.append(id)
        }
        return ids
    }

    /// Creates `group` on `stream` (and the stream) reading from `start`; an existing group is left as it is.
    public func createGroup(_ group: String, on stream: String, startingAt start: String = "0") async throws(RedisError) {
        do {
            try await send(RedisCommand("XGROUP", ["CREATE", stream, group, start, "MKSTREAM"]))
        } catch .server(let message) where message.hasPrefix("BUSYGROUP") {
            return
        }
    }

    /// Up to `count` entries never delivered to `group`, for `consumer`, waiting up to `block` for the first.
    public func readGroup(_ group: String, consumer: String, from stream: String, count: Int, block: Duration?) async throws(RedisError)
        -> [StreamEntry]
    {
        var arguments = ["GROUP", group, consumer, "COUNT", String(count)]
        if let block { arguments += ["BLOCK", String(Self.milliseconds(block))] }
        let reply = try await send(RedisCommand("XREADGROUP", arguments + ["STREAMS", stream, ">"]), extraTime: block ?? .zero)
        if reply.isNull { return [] }
        guard let streams = reply.elements else { throw .unexpectedReply("XREADGROUP did not return a list of streams") }
        var entries: [StreamEntry] = []
        for item in streams {
            guard let pair = item.elements, pair.count == 2, let list = pair[1].elements else {
                throw .unexpectedReply("XREADGROUP stream item is not [name, entries]")
            }
            for entry in list { entries.append(try StreamEntry(reply: entry)) }
        }
        return entries
    }

    /// Acknowledges `ids` for `group`; returns how many were pending.
    @discardableResult
    public func acknowledge(_ ids: [String], group: String, on stream: String) async throws(RedisError) -> Int64 {
        guard !ids.isEmpty else { return 0 }
        guard let count = try await send(RedisCommand("XACK", [stream, group] + ids)).integer else {
            throw .unexpectedReply("XACK did not return a count")
        }
        return count
    }

    /// Claims for `consumer` up to `count` entries of `group` idle for at least `minIdle` (each claim counts as a
    /// delivery); returns the cursor to continue from, the claimed entries and the ids of entries deleted meanwhile.
    public func autoClaim(
        group: String, consumer: String, on stream: String, minIdle: Duration, start: String = "0-0", count: Int
    ) async throws(RedisError) -> (next: String, entries: [StreamEntry], deleted: [String]) {
        let reply = try await send(
            RedisCommand("XAUTOCLAIM", [stream, group, consumer, String(Self.milliseconds(minIdle)), start, "COUNT", String(count)]))
        guard let parts = reply.elements, parts.count >= 2, let next = parts[0].string, let list = parts[1].elements else {
            throw .unexpectedReply("XAUTOCLAIM did not return [cursor, entries, deleted]")
        }
        var entries: [StreamEntry] = []
        var deleted: [String] = []
        for entry in list {
            // Redis 6.2 lists deleted entries as nulls among the claimed ones; 7.0 returns them separately.
            if entry.isNull { continue }
            entries.append(try StreamEntry(reply: entry))
        }
        if parts.count >= 3, let gone = parts[2].elements { deleted = gone.compactMap(\.string) }
        return (next, entries, deleted)
    }

    /// What `group` knows about the pending entries with ids from `start` to `end` (at most `count`).
    public func pending(group: String, on stream: String, start: String = "-", end: String = "+", count: Int) async throws(RedisError)
        -> [PendingEntry]
    {
        let reply = try await send(RedisCommand("XPENDING", [stream, group, start, end, String(count)]))
        guard let list = reply.elements else { throw .unexpectedReply("XPENDING did not return a list") }
        return try list.map { item throws(RedisError) in
            guard let parts = item.elements, parts.count == 4, let id = parts[0].string, let consumer = parts[1].string,
                let idle = parts[2].integer, let deliveries = parts[3].integer
            else { throw .unexpectedReply("an XPENDING item is not [id, consumer, idle, deliveries]") }
            return PendingEntry(id: id, consumer: consumer, idleMilliseconds: idle, deliveries: deliveries)
        }
    }

    /// The consumer groups of `stream`, with their lag and pending counts.
    public func groups(of stream: String) async throws(RedisError) -> [StreamGroupInfo] {
        let reply = try await send(RedisCommand("XINFO", ["GROUPS", stream]))
        guard let list = reply.elements else { throw .unexpectedReply("XINFO GROUPS did not return a list") }
        return try list.map { item throws(RedisError) in
            guard let pairs = item.elements, pairs.count % 2 == 0 else { throw .unexpectedReply("an XINFO GROUPS item is not a map") }
            var map: [String: RESPValue] = [:]
            for index in stride(from: 0, to: pairs.count, by: 2) { if let key = pairs[index].string { map[key] = pairs[index + 1] } }
            guard let name = map["name"]?.string, let pending = map["pending"]?.integer else {
                throw .unexpectedReply("an XINFO GROUPS item lacks name or pending")
            }
            return StreamGroupInfo(name: name, lag: map["lag"]?.integer, pending: pending, lastDeliveredID: map["last-delivered-id"]?.string ?? "0-0")
        }
    }

    /// How many entries `stream` holds (0 when it does not exist).
    public func length(of stream: String) async throws(RedisError) -> Int64 {
        guard let count = try await send(RedisCommand("XLEN", [stream])).integer else { throw .unexpectedReply("XLEN did not return a count") }
        return count
    }

    /// Up to `count` entries of `stream` from `start` to `end`, oldest first.
    public func range(of stream: String, start: String = "-", end: String = "+", count: Int) async throws(RedisError) -> [StreamEntry] {
        let reply = try await send(RedisCommand("XRANGE", [stream, start, end, "COUNT", String(count)]))
        guard let list = reply.elements else { throw .unexpectedReply("XRANGE did not return a list") }
        return try list.map { entry throws(RedisError) in try StreamEntry(reply: entry) }
    }

    /// Deletes the entries `ids` of `stream`; returns how many there were.
    @discardableResult
    public func delete(_ ids: [String], from stream: String) async throws(RedisError) -> Int64 {
        guard !ids.isEmpty else { return 0 }
        guard let count = try await send(RedisCommand("XDEL", [stream] + ids)).integer else { throw .unexpectedReply("XDEL did not return a count") }
        return count
    }

    /// The id of `stream`'s newest entry; nil when it is empty or does not exist.
    public func newestID(of stream: String) async throws(RedisError) -> String? {
        let reply = try await send(RedisCommand("XREVRANGE", [stream, "+", "-", "COUNT", "1"]))
        guard let list = reply.elements else { throw .unexpectedReply("XREVRANGE did not return a list") }
        return try list.first.map { entry throws(RedisError) in try StreamEntry(reply: entry).id }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
