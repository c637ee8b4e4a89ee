import ArgumentParser
import Docket
import Foundation

/// `docket events dead-letters list|retry|drop`: the messages Docket's consumers gave up on.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Inspect Docket's event consumers.", subcommands: [DeadLetters.self])

    /// The dead-letter queue.
    struct DeadLetters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dead-letters",
            abstract: "Messages a consumer failed DOCKET_CONSUMER_MAX_ATTEMPTS times, with the last error.",
            subcommands: [List.self, Retry.self, Drop.self])
    }

    /// Lists dead letters.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead letters, oldest first (id, consumer, event type, attempts, error).")

        @Option(help: "Only this consumer's (e.g. stats).") var consumer: String?
        @Option(help: "At most this many.") var limit = 100

        func run() async throws {
            try await withDatabase { database, config in
                let letters = try await EventOperations(database: database, logger: config.makeLogger()).deadLetters(consumer: consumer, limit: limit)
                let formatter = ISO8601DateFormatter()
                for letter in letters {
                    print(
                        [
                            letter.id.uuidString.lowercased(), letter.consumer, letter.eventType ?? "-", letter.messageID,
                            "attempts=\(letter.attempts)",
                            formatter.string(from: letter.createdAt), letter.error.replacingOccurrences(of: "\n", with: " "),
                        ].joined(separator: "  "))
                }
                if letters.isEmpty { print("no dead letters") }
            }
        }
    }

    /// Retries dead letters.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run dead letters through their consumer again; each one that succeeds is removed, one that fails stays.")

        @Argument(help: "Dead-letter ids (see `list`).") var ids: [String] = []
        @Flag(help: "Retry every dead letter.") var all = false

        func run() async throws {
            try await withDatabase { database, config in
                let operations = EventOperations(database: database, logger: config.makeLogger())
                let targets = try await resolve(ids: ids, all: all, operations: operations)
                var failed = 0
                for id in targets {
                    do {
                        try await operations.retryDeadLetter(id)
                        print("retried \(id.uuidString.lowercased())")
                    } catch {
                        failed += 1
                        FileHandle.standardError.write(Data("docket: \(id.uuidString.lowercased()) failed again: \(error)\n".utf8))
                    }
                }
                if failed > 0 { throw ExitCode(1) }
            }
        }
    }

    /// Drops dead letters.
    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete dead letters without processing them.")

        @Argument(help: "Dead-letter ids (see `list`).") var ids: [String] = []
        @Flag(help: "Drop every dead letter.") var all = false

        func run() async throws {
            try await withDatabase { database, config in
                let operations = EventOperations(database: database, logger: config.makeLogger())
                for id in try await resolve(ids: ids, all: all, operations: operations) {
                    try await operations.dropDeadLetter(id)
                    print("dropped \(id.uuidString.lowercased())")
                }
            }
        }
    }
}

/// The ids a retry or drop names: the arguments, or every dead letter with `--all`.
private func resolve(ids: [String], all: Bool, operations: EventOperations) async throws -> [UUID] {
    if all { return try await operations.deadLetters(consumer: nil, limit: 100_000).map(\.id) }
    guard !ids.isEmpty else { throw ValidationError("name at least one dead-letter id, or pass --all") }
    return try ids.map { text in
        guard let id = UUID(uuidString: text) else { throw ValidationError("\(text) is not a dead-letter id") }
        return id
    }
}
