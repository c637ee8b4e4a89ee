/// One entry of a Redis stream: its id (`1733000000000-0`) and its field–value pairs, in order.
public struct StreamEntry: Sendable, Equatable {
    public let id: String
    public let fields: [String: String]

    public init(id: String, fields: [String: String]) {
        self.id = id
        self.fields = fields
    }

    /// Reads `[id, [field, value, …]]`; a null field list (an entry deleted while pending) reads as no fields.
    init(reply: RESPValue) throws(RedisError) {
        guard let parts = reply.elements, parts.count == 2, let id = parts[0].string else {
            throw .unexpectedReply("a stream entry is not [id, fields]")
        }
        var fields: [String: String] = [:]
        if let list = parts[1].elements {
            guard list.count % 2 == 0 else { throw .unexpectedReply("a stream entry has an odd number of field items") }
            for index in stride(from: 0, to: list.count, by: 2) {
                guard let name = list[index].string, let value = list[index + 1].string else {
                    throw .unexpectedReply("a stream field is not a string")
                }
                fields[name] = value
            }
        } else if !parts[1].isNull {
            throw .unexpectedReply("a stream entry's fields are not a list")
        }
        self.id = id
        self.fields = fields
    }
}

/// What `XPENDING` says about one un-acknowledged entry.
public struct PendingEntry: Sendable, Equatable {
    public let id: String
    public let consumer: String
    public let idleMilliseconds: Int64
    /// How often the entry was delivered (read or claimed), this delivery included.
    public let deliveries: Int64
}

/// A consumer group as `XINFO GROUPS` describes it.
public struct StreamGroupInfo: Sendable, Equatable {
    public let name: String
    /// Entries delivered to no consumer yet (nil when Redis cannot tell, after deletions).
    public let lag: Int64?
    /// Entries delivered but not yet acknowledged.
    public let pending: Int64
    /// The id of the newest entry delivered to a member of the group (`0-0` before the first).
    public let lastDeliveredID: String

    /// A group as `XINFO GROUPS` describes it.
    public init(name: String, lag: Int64?, pending: Int64, lastDeliveredID: String) {
        self.name = name
        self.lag = lag
        self.pending = pending
        self.lastDeliveredID = lastDeliveredID
    }
}
