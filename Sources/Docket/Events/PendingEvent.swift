import Foundation

/// An event about to be written with the change it describes: its type, what it is about and its data (JSON).
struct PendingEvent: Sendable {
    let type: EventType
    /// `tasks/<id>`, `users/<id>` or `webhooks/<id>`.
    let subject: String
    let data: Data

    init(_ type: EventType, subject: String, data: some Encodable) throws {
        self.type = type
        self.subject = subject
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.data = try encoder.encode(data)
    }
}
