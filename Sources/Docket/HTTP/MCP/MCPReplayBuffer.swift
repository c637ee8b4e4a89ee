import Foundation

/// The most recent events of one MCP session, kept so a client that lost a stream can resume it with `Last-Event-ID`.
/// It holds at most `maxEvents` events and `maxBytes` of messages; the oldest go first, so a session's memory stays
/// bounded however many calls it makes.
struct MCPReplayBuffer: Sendable {
    /// One sent event: the stream it went to, its id, and its message (nil for a priming event).
    struct Event: Sendable {
        let streamID: String
        let eventID: String
        let message: Data?
    }

    let maxEvents: Int
    let maxBytes: Int
    private var events: [Event] = []
    private var first = 0
    private var bytes = 0
    private var counter = 0

    init(maxEvents: Int = 32, maxBytes: Int = 128 * 1024) {
        self.maxEvents = max(1, maxEvents)
        self.maxBytes = max(1, maxBytes)
    }

    /// How many events are held.
    var count: Int { events.count - first }

    /// How many message bytes are held.
    var heldBytes: Int { bytes }

    /// Records an event sent on `streamID` and returns its id.
    mutating func append(streamID: String, message: Data?) -> String {
        counter += 1
        let eventID = "\(streamID)_\(counter)"
        events.append(Event(streamID: streamID, eventID: eventID, message: message))
        bytes += message?.count ?? 0
        while count > maxEvents || (bytes > maxBytes && count > 1) { dropOldest() }
        return eventID
    }

    /// The stream `lastEventID` belonged to and the messages sent on it after that event, or nil when the event is
    /// unknown or no longer held.
    func replay(after lastEventID: String) -> (streamID: String, events: [(id: String, message: Data)])? {
        guard let index = events[first...].firstIndex(where: { $0.eventID == lastEventID }) else { return nil }
        let streamID = events[index].streamID
        let later = events[(index + 1)...].compactMap { event in
            event.streamID == streamID ? event.message.map { (id: event.eventID, message: $0) } : nil
        }
        return (streamID, later)
    }

    /// Forgets every event.
    mutating func removeAll() {
        events.removeAll()
        first = 0
        bytes = 0
    }

    private mutating func dropOldest() {
        bytes -= events[first].message?.count ?? 0
        first += 1
        // Compact once the dropped prefix is as long as what is held, so the array's storage stays bounded too.
        if first >= 32, first * 2 >= events.count {
            events.removeFirst(first)
            first = 0
        }
    }
}
