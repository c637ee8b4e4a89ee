import FluentPostgresDriver
import Foundation
import Logging
import NIOPosix
import PostgresNIO
import ServiceLifecycle

/// This node's one `LISTEN docket_events` connection (not one per stream): each notification names a user whose
/// stream grew on some node, and wakes that user's feeds here. The events table stays the source of truth: after a
/// reconnect every feed is woken (notifications sent meanwhile were lost), and feeds also poll while idle, so a lost
/// notification delays an event but never loses it.
final class PostgresEventListener: Service, Sendable {
    private let url: String
    private let hub: EventHub
    private let logger: Logger

    init(url: String, hub: EventHub, logger: Logger) {
        self.url = url
        self.hub = hub
        self.logger = logger
    }

    /// Listens until graceful shutdown, reconnecting with backoff (capped at 5 s) when the connection drops.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            var delay: Duration = .milliseconds(100)
            var connectionID = 0
            while !Task.isCancelled {
                connectionID += 1
                do {
                    try await self.listen(id: connectionID) { delay = .milliseconds(100) }
                } catch {
                    if Task.isCancelled { return }
                    self.logger.warning(
                        "event listener connection lost; reconnecting", metadata: ["error": .string(DatabaseFailure.describe(error))])
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    private func listen(id: Int, connected: () -> Void) async throws {
        let configuration = try SQLPostgresConfiguration(url: url).coreConfiguration
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: id, logger: logger
        ).get()
        do {
            try await connection.listen(on: EventOutbox.channel) { notifications in
                connected()
                hub.wakeAll()  // Anything committed while this node was not listening.
                for try await notification in notifications {
                    if notification.payload.hasPrefix("close:") {
                        if let owner = UUID(uuidString: String(notification.payload.dropFirst(6))) { hub.close(owner) }
                    } else if let owner = UUID(uuidString: notification.payload) {
                        hub.wake(owner)
                    }
                }
            }
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
