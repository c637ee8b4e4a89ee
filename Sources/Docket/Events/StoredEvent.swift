import Foundation

/// One committed event as stored in `events`: the change's type and data, numbered in its owner's stream.
struct StoredEvent: Codable, Sendable, Equatable {
    var id: UUID
    var userID: UUID
    /// The owner's event number: gapless, in commit order, from 1.
    var seq: Int64
    var type: String
    var subject: String
    /// Microseconds since 1970.
    var occurredAt: Int64
    var actorType: String
    var actorID: String?
    var actorTool: String?
    var requestID: String?
    var schemaVersion: Int
    /// The event's data, JSON.
    var data: String

    enum CodingKeys: String, CodingKey {
        case id, seq, type, subject, data
        case userID = "user_id"
        case occurredAt = "occurred_at"
        case actorType = "actor_type"
        case actorID = "actor_id"
        case actorTool = "actor_tool"
        case requestID = "request_id"
        case schemaVersion = "schema_version"
    }

    /// The current version of every event type's data.
    static let schemaVersion = 1

    /// The event as a CloudEvents 1.0 JSON document (what the feed, the WebSocket and webhooks carry).
    var envelope: String {
        let head = Envelope(
            id: id.lowercased, type: type, subject: subject, time: EventTime.precise(occurredAt), seq: seq, actortype: actorType,
            actorid: actorID, actortool: actorTool, requestid: requestID, schemaversion: schemaVersion)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: (try? encoder.encode(head)) ?? Data("{}".utf8), as: UTF8.self)
        return String(text.dropLast()) + ",\"data\":" + data + "}"
    }

    /// The CloudEvents attributes and Docket's extension attributes, without the data.
    private struct Envelope: Encodable {
        var specversion = "1.0"
        let id: String
        var source = "/docket"
        let type: String
        let subject: String
        let time: String
        var datacontenttype = "application/json"
        let seq: Int64
        let actortype: String
        let actorid: String?
        let actortool: String?
        let requestid: String?
        let schemaversion: Int
    }
}
