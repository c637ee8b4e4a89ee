import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// The live feed over WebSocket (`/api/v1/events/ws`): the same events, resume (`?after=`) and filter (`?types=`) as
/// the SSE feed. The caller authenticates with the upgrade request's `Authorization` header or with a first text
/// message `{"type":"auth","token":"…"}` within 10 seconds (browsers cannot set headers on a WebSocket). Each event is
/// one text message (its CloudEvents JSON); the server pings on the heartbeat interval. Refusals close the socket with
/// 4400 (bad request), 4401 (not authenticated), 4403 (scope), 4410 (resume point gone), 4429 (too many streams),
/// 4408 (client too slow); a shutting-down server closes with 1001. Sockets waiting for their first message are capped
/// per client address (behind a trusted proxy, the forwarded one) and in all (`UnauthenticatedSockets`; 4429 past it).
struct EventSocketEndpoint: Sendable {
    static let path = "/api/v1/events/ws"

    let authenticator: Authenticator
    let feed: EventFeed
    /// Who the client is, as HTTP requests see it.
    let address: ClientAddress
    let waiting: UnauthenticatedSockets

    /// Whether to upgrade `request`: only on this endpoint's path; everything else is plain HTTP.
    func shouldUpgrade(_ request: HTTPRequest, channel: any Channel, logger: Logger) -> ShouldUpgradeResult<
        WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>
    > {
        guard let target = request.path, let components = URLComponents(string: target), components.path == Self.path else {
            return .dontUpgrade
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
        let authorization = request.headerFields[.authorization]
        let client = address.resolve(peer: channel.remoteAddress?.ipAddress, forwardedFor: request.headerFields[values: .xForwardedFor])
        let origin = RequestOrigin(ip: client, userAgent: request.headerFields[.userAgent], requestID: nil)
        return .upgrade([:]) { inbound, outbound, _ in
            await serve(query: query, authorization: authorization, origin: origin, inbound: inbound, outbound: outbound, logger: logger)
        }
    }

    /// A refusal: the close code and the reason sent with it.
    private struct Refusal: Error {
        let code: Int
        let reason: String
    }

    private func serve(
        query: [String: String], authorization: String?, origin: RequestOrigin, inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter, logger: Logger
    ) async {
        // One task reads (the first message may carry the token; reading also answers pings and notices a close), the
        // other writes the feed; whichever ends first ends both.
        let waiter = authorization == nil ? (origin.ip ?? "unknown") : nil
        if let waiter {
            guard waiting.admit(waiter) else {
                try? await outbound.close(.unknown(4429), reason: "too many sockets waiting to authenticate; authenticate or close some")
                return
            }
        }
        let released = Atomic(false)
        let release = { @Sendable in
            // Once only: when the first message arrives, or when the socket closes before it does.
            if let waiter, !released.exchange(true, ordering: .relaxed) { waiting.release(waiter) }
        }
        defer { release() }
        let (firstMessage, firstMessageSink) = AsyncStream<String?>.makeStream()
        let timer = Task {
            try await Task.sleep(for: .seconds(10))
            firstMessageSink.yield(nil)
        }
        defer { timer.cancel() }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var messages = inbound.messages(maxSize: 16_384).makeAsyncIterator()
                    if authorization == nil {
                        let first = try await messages.next()
                        if case .text(let text) = first { firstMessageSink.yield(text) } else { firstMessageSink.yield(nil) }
                    }
                    while try await messages.next() != nil {}
                }
                group.addTask {
                    let header: String
                    if let authorization {
                        header = authorization
                    } else {
                        var iterator = firstMessage.makeAsyncIterator()
                        header = try Self.authorization(fromFirstMessage: await iterator.next() ?? nil)
                    }
                    timer.cancel()
                    release()
                    try await follow(query: query, authorization: header, origin: origin, outbound: outbound, logger: logger)
                }
                try await group.next()
                group.cancelAll()
            }
        } catch let refusal as Refusal {
            try? await outbound.close(.unknown(UInt16(refusal.code)), reason: String(refusal.reason.prefix(120)))
        } catch is EventFeed.SlowConsumer {
            try? await outbound.close(.unknown(4408), reason: "too slow; reconnect with after=<last seq>")
        } catch is CancellationError {
            logger.debug("event socket ended")
        } catch {
            // 1013 "try again later" while the database is unavailable, else 1011 (the server failed).
            let code: UInt16 = DatabaseFailure.isUnavailable(error) ? 1013 : 1011
            logger.warning("event socket failed", metadata: ["error": .string(DatabaseFailure.describe(error))])
            try? await outbound.close(.unknown(code), reason: code == 1013 ? "the database is unavailable; retry" : "internal error")
        }
    }

    private func follow(
        query: [String: String], authorization: String, origin: RequestOrigin, outbound: WebSocketOutboundWriter, logger: Logger
    ) async throws {
        let types = try await refusing(4400) { try APIHandler.eventTypes(query["types"]) }
        var after: Int64?
        if let text = query["after"], !text.isEmpty {
            guard let value = Int64(text), value >= 0 else { throw Refusal(code: 4400, reason: "after must be an event number") }
            after = value
        }
        let caller = try await refusing(4401) { try await authenticator.authenticate(authorization: authorization, origin: origin, logger: logger) }
        guard caller.holds(.tasksRead) else { throw Refusal(code: 4403, reason: "the token lacks the tasks:read scope") }
        let watch = authenticator.watch(authorization: authorization, origin: origin, logger: logger)
        let stream = try await refusing(0) {
            try await feed.open(owner: caller.id, after: after, types: caller.readable(types), watch: watch, logger: logger)
        }
        for try await item in stream {
            switch item {
            case .event(let event): try await outbound.write(.text(event.envelope))
            case .credentialEnded: throw Refusal(code: 4401, reason: "the credential that opened this feed ended; sign in again")
            case .opened, .heartbeat: break
            }
        }
        // Otherwise the feed ends only when the server shuts down.
        try? await outbound.close(.goingAway, reason: "the server is shutting down")
    }

    /// `Bearer <token>` from a first message `{"type":"auth","token":"…"}`.
    private static func authorization(fromFirstMessage text: String?) throws -> String {
        guard let text, let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            object["type"] as? String == "auth", let token = object["token"] as? String
        else { throw Refusal(code: 4401, reason: #"send {"type":"auth","token":"<access token>"} first (within 10 s)"#) }
        return "Bearer \(token)"
    }

    /// Runs `work`, turning a problem into a close code (`code` 0: the problem's status + 4000).
    private func refusing<T>(_ code: Int, _ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as AppError {
            throw Refusal(code: code == 0 ? 4000 + Int(error.kind.status.code) : code, reason: error.detail)
        }
    }
}
