import ArgumentParser
import Docket
import Foundation

/// `docket migrate up|revert|status`: manage the schema on SQLite or PostgreSQL.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply, revert or list schema migrations.",
        subcommands: [Up.self, Revert.self, Status.self]
    )

    /// Applies every pending migration.
    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply all pending migrations.")
        func run() async throws {
            try await withDatabase { database, _ in
                let applied = try await database.migrateUp()
                print(applied.isEmpty ? "Nothing to apply." : applied.map { "applied  \($0)" }.joined(separator: "\n"))
            }
        }
    }

    /// Reverts the last batch.
    struct Revert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revert the most recently applied batch.")
        func run() async throws {
            try await withDatabase { database, _ in
                let reverted = try await database.migrateRevert()
                print(reverted.isEmpty ? "Nothing to revert." : reverted.map { "reverted \($0)" }.joined(separator: "\n"))
            }
        }
    }

    /// Lists every migration and its batch.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List migrations and whether each is applied.")
        func run() async throws {
            try await withDatabase { database, _ in
                for state in try await database.migrationStatus() {
                    let mark = state.batch.map { "applied (batch \($0))" } ?? "pending"
                    print("\(mark.padding(toLength: 20, withPad: " ", startingAt: 0)) \(state.name)")
                }
            }
        }
    }
}

/// Opens the configured database (migrating first when asked), runs `body`, and closes it, mapping failures to one line and exit 1.
func withDatabase(migrate: Bool = false, _ body: (DocketDatabase, DocketConfig) async throws -> Void) async throws {
    let config = try loadConfigOrExit()
    let database: DocketDatabase
    do {
        database = try DocketDatabase(location: config.database, poolSize: 1, logger: config.makeLogger())
    } catch {
        throw failAndExit("cannot open \(config.database.redacted)", error)
    }
    do {
        if migrate { try await database.migrateUp() }
        try await body(database, config)
        await database.close()
    } catch {
        await database.close()
        throw failAndExit("failed", error)
    }
}
