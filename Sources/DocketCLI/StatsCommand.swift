import ArgumentParser
import Docket
import Foundation

/// `docket stats rebuild`: recreate the statistics read model from the event outbox.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Manage the task statistics read model.", subcommands: [Rebuild.self])

    /// Rebuilds the model.
    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase and replay the statistics from the stored events (safe while servers run).",
            discussion: "A user whose first events are past DOCKET_EVENT_RETENTION_DAYS is seeded from their tasks instead of replayed.")

        @Option(help: "Only this user's id.") var user: String?

        func run() async throws {
            var owner: UUID?
            if let user {
                guard let id = UUID(uuidString: user) else { throw ValidationError("\(user) is not a user id") }
                owner = id
            }
            try await withDatabase(migrate: true) { database, config in
                let summary = try await EventOperations(database: database, logger: config.makeLogger()).rebuildStatistics(only: owner)
                print("replayed \(summary.events) events of \(summary.replayedUsers) users; seeded \(summary.seededUsers) users from their tasks")
            }
        }
    }
}
