/// The `text/event-stream` framing of the live feed: `id` is the event's number (what `Last-Event-ID` sends back on a
/// reconnect), `event` its type, `data` its CloudEvents JSON on one line; idle streams get comment heartbeats.
enum ServerSentEvents {
    /// One frame's bytes.
    static func frame(_ item: EventFeed.Item) -> ArraySlice<UInt8> {
        switch item {
        // An `id` without `data` moves the client's Last-Event-ID without dispatching an event.
        case .opened(let after): ArraySlice("retry: 2000\nid: \(after)\n: connected\n\n".utf8)
        case .heartbeat: ArraySlice(": heartbeat\n\n".utf8)
        case .event(let event): ArraySlice("id: \(event.seq)\nevent: \(event.type)\ndata: \(event.envelope)\n\n".utf8)
        // The stream ends after this; a reconnect with the same credential is a 401.
        case .credentialEnded: ArraySlice(": credential ended\n\n".utf8)
        }
    }
}
