import Foundation
import OpenAPIRuntime

extension DocketClient {
    /// The caller's live feed: stored events after `after` (nil: only new ones), then each change as it commits.
    /// Events are read from the connection only as fast as the caller takes them (a caller that falls far behind is
    /// cut off by the server and resumed), and a broken connection is resumed after the last event delivered
    /// (`Last-Event-ID`), so nothing is missed or repeated. The sequence ends with an error only when resuming cannot
    /// work (signed out; a position older than the server keeps: `DocketProblem` of kind `.gone`).
    ///
    /// - Parameters:
    ///   - types: only these event types (e.g. `["task.created"]`); empty means all.
    ///   - reconnectDelay: the first wait before reconnecting; it doubles up to 30 s while the server is away.
    public func events(after: Int64? = nil, types: [String] = [], reconnectDelay: Duration = .milliseconds(250)) -> DocketEventFeed {
        DocketEventFeed(client: self, after: after, types: types, reconnectDelay: reconnectDelay)
    }

    /// Opens one connection to the feed, resuming after `position`.
    func openFeed(after position: Int64?, types: [String]) async throws -> ServerSentEventReader {
        let body = try await Self.unwrapping {
            try await api.getEvents(
                query: .init(after: position, types: types.isEmpty ? nil : types.joined(separator: ",")),
                headers: .init(lastEventID: position.map(String.init), accept: [.init(contentType: .textEventStream)])
            ).ok.body.textEventStream
        }
        return ServerSentEventReader(body.asDecodedServerSentEvents())
    }
}

/// The live feed as an `AsyncSequence` of typed events; see `DocketClient.events(after:types:reconnectDelay:)`.
public struct DocketEventFeed: AsyncSequence, Sendable {
    public typealias Element = DocketEvent

    let client: DocketClient
    let after: Int64?
    let types: [String]
    let reconnectDelay: Duration

    public func makeAsyncIterator() -> Iterator {
        Iterator(feed: self)
    }

    /// Reads events one at a time, reconnecting where the last one left off.
    public struct Iterator: AsyncIteratorProtocol {
        private let feed: DocketEventFeed
        private var position: Int64?
        private var delay: Duration
        private var messages: ServerSentEventReader?

        init(feed: DocketEventFeed) {
            self.feed = feed
            self.position = feed.after
            self.delay = feed.reconnectDelay
        }

        public mutating func next() async throws -> DocketEvent? {
            while true {
                let connection: ServerSentEventReader
                if let messages {
                    connection = messages
                } else {
                    do {
                        connection = try await feed.client.openFeed(after: position, types: feed.types)
                        messages = connection
                    } catch let problem as DocketProblem where problem.kind.isWorthRetrying {
                        try await pause(atLeast: problem.retryAfter)
                        continue
                    } catch DocketClientError.transport {
                        try await pause()
                        continue
                    }
                }
                do {
                    guard let message = try await connection.next() else {
                        // The server ended the stream (it is shutting down, or cut a slow reader): resume.
                        messages = nil
                        try await pause()
                        continue
                    }
                    guard let data = message.data else {
                        // A position without an event (the stream's opening), to resume from.
                        if let id = message.id, let seq = Int64(id) { position = seq }
                        continue
                    }
                    let event = try DocketEvent(json: Data(data.utf8))
                    position = event.seq
                    delay = feed.reconnectDelay
                    return event
                } catch DocketClientError.transport {
                    messages = nil
                    try await pause()
                } catch let error as DecodingError {
                    throw DocketClientError.unexpectedResponse(status: 200, detail: "an event the contract does not describe: \(error)")
                }
            }
        }

        /// Waits before reconnecting (at least `minimum`), doubling the next wait up to 30 s.
        private mutating func pause(atLeast minimum: Duration? = nil) async throws {
            try await Task.sleep(for: Swift.max(delay, minimum ?? .zero))
            delay = Swift.min(delay * 2, .seconds(30))
        }
    }
}

/// Pulls Server-Sent Events from one response body, one message per call.
final class ServerSentEventReader {
    private let pull: () async throws -> ServerSentEvent?

    init<Messages: AsyncSequence>(_ messages: Messages) where Messages.Element == ServerSentEvent {
        var iterator = messages.makeAsyncIterator()
        pull = { try await iterator.next() }
    }

    func next() async throws -> ServerSentEvent? {
        try await pull()
    }
}

extension DocketProblem.Kind {
    /// Whether the same request can succeed later (the server is busy or away).
    var isWorthRetrying: Bool {
        switch self {
        case .rateLimited, .serviceUnavailable, .serverError: true
        default: false
        }
    }
}
