import Foundation
import OpenAPIRuntime

extension DocketClient {
    /// The caller's live feed: stored events after `after` (nil: only new ones), then each change as it commits.
    /// A broken connection is resumed after the last event received (`Last-Event-ID`), so nothing is missed or
    /// repeated; the sequence ends with an error only when resuming cannot work (signed out, a position older than
    /// the server keeps: `DocketProblem` of kind `.gone`).
    ///
    /// - Parameters:
    ///   - types: only these event types (e.g. `["task.created"]`); empty means all.
    ///   - reconnectDelay: the first wait before reconnecting; it doubles up to 30 s while the server is away.
    public func events(after: Int64? = nil, types: [String] = [], reconnectDelay: Duration = .milliseconds(250))
        -> AsyncThrowingStream<DocketEvent, any Error>
    {
        let (stream, continuation) = AsyncThrowingStream<DocketEvent, any Error>.makeStream(bufferingPolicy: .bufferingOldest(1024))
        let feed = Task {
            var position = after
            var delay = reconnectDelay
            while !Task.isCancelled {
                do {
                    try await followOnce(after: position, types: types) { event in
                        position = event.seq
                        delay = reconnectDelay
                        continuation.yield(event)
                    } positioned: { seq in
                        position = seq
                    }
                } catch let problem as DocketProblem where problem.kind.isWorthRetrying {
                    delay = max(delay, problem.retryAfter ?? delay)
                } catch DocketClientError.transport {
                    // Reconnect below.
                } catch {
                    continuation.finish(throwing: error)
                    return
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(30))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in feed.cancel() }
        return stream
    }

    /// One connection to the feed, until it ends or breaks.
    private func followOnce(
        after: Int64?, types: [String], received: (DocketEvent) -> Void, positioned: (Int64) -> Void
    ) async throws {
        let body = try await Self.unwrapping {
            try await api.getEvents(
                query: .init(after: after, types: types.isEmpty ? nil : types.joined(separator: ",")),
                headers: .init(lastEventID: after.map(String.init), accept: [.init(contentType: .textEventStream)])
            ).ok.body.textEventStream
        }
        do {
            for try await message in body.asDecodedServerSentEvents() {
                guard let data = message.data else {
                    if let id = message.id, let seq = Int64(id) { positioned(seq) }
                    continue
                }
                received(try DocketEvent(json: Data(data.utf8)))
            }
        } catch let error as DecodingError {
            throw DocketClientError.unexpectedResponse(status: 200, detail: "an event the contract does not describe: \(error)")
        } catch {
            throw DocketClientError.transport(underlying: error)
        }
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
