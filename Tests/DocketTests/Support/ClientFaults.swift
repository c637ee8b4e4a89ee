import DocketClient
import Foundation
import HTTPTypes
import OpenAPIRuntime
import Synchronization

/// What a dropped connection looks like to the client's transport.
struct SimulatedConnectionDrop: Error {}

/// The platform transport, except that the first request of one operation reaches the server and completes there
/// while its answer is lost, as when a connection drops after the server committed: what an idempotent retry must
/// survive.
final class LoseFirstAnswer: ClientTransport, Sendable {
    let operationID: String
    let base = DocketClient.platformTransport()
    /// How many times the operation was sent.
    let attempts = Mutex(0)

    init(operationID: String) {
        self.operationID = operationID
    }

    func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
        guard operationID == self.operationID else { return try await base.send(request, body: body, baseURL: baseURL, operationID: operationID) }
        let attempt = attempts.withLock {
            $0 += 1
            return $0
        }
        let (response, responseBody) = try await base.send(request, body: body, baseURL: baseURL, operationID: operationID)
        guard attempt == 1 else { return (response, responseBody) }
        if let responseBody { _ = try await Data(collecting: responseBody, upTo: 1 << 20) }
        throw SimulatedConnectionDrop()
    }
}

/// The platform transport, except that the first event stream breaks right after its `afterEvents`-th event, as a
/// dropped connection would.
final class BreakFirstStream: ClientTransport, Sendable {
    let afterEvents: Int
    let base = DocketClient.platformTransport()
    /// How many event streams were opened.
    let connections = Mutex(0)

    init(afterEvents: Int) {
        self.afterEvents = afterEvents
    }

    func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await base.send(request, body: body, baseURL: baseURL, operationID: operationID)
        guard operationID == "getEvents", let responseBody else { return (response, responseBody) }
        let number = connections.withLock {
            $0 += 1
            return $0
        }
        guard number == 1 else { return (response, responseBody) }
        let limit = afterEvents
        let cut = AsyncThrowingStream<ArraySlice<UInt8>, any Error> { continuation in
            let reader = Task {
                var pending: [UInt8] = []
                var delivered = 0
                do {
                    for try await chunk in responseBody {
                        pending += chunk
                        // Pass whole SSE messages (ending in a blank line) through, and break after the limit.
                        while let end = pending.firstRange(of: [10, 10]) {
                            let message = Array(pending[..<end.upperBound])
                            pending.removeSubrange(..<end.upperBound)
                            continuation.yield(message[...])
                            if message.starts(with: Array("data:".utf8)) || String(decoding: message, as: UTF8.self).contains("\ndata:") {
                                delivered += 1
                            }
                            if delivered == limit {
                                continuation.finish(throwing: SimulatedConnectionDrop())
                                return
                            }
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in reader.cancel() }
        }
        return (response, HTTPBody(cut, length: .unknown, iterationBehavior: .single))
    }
}
