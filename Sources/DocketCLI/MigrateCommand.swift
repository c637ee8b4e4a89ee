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

    /// Reverts the last batch, after saying what that drops and asking (or with `--yes`).
    struct Revert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revert the most recently applied batch (asks first; --yes to skip the question).")

        @Flag(name: .long, help: "Revert without asking (a script that means it).")
        var yes = false

        func run() async throws {
            var refusal: ExitCode?
            try await withDatabase { database, _ in
                let states = try await database.migrationStatus()
                let last = states.compactMap(\.batch).max()
                let batch = states.filter { $0.batch != nil && $0.batch == last }.map(\.name)
                guard !batch.isEmpty else { return print("Nothing to revert.") }
                if !yes {
                    refusal = Self.confirm(batch)
                    if refusal != nil { return }
                }
                let reverted = try await database.migrateRevert()
                print(reverted.map { "reverted \($0)" }.joined(separator: "\n"))
            }
            if let refusal { throw refusal }
        }

        /// Says what reverting `batch` drops and asks on a terminal; nil to go on, else the exit code (64 without a
        /// terminal to ask on, 1 when the answer was not yes).
        private static func confirm(_ batch: [String]) -> ExitCode? {
            func say(_ text: String, end: String = "\n") { FileHandle.standardError.write(Data((text + end).utf8)) }
            say("This reverts the last batch of \(batch.count) migration(s), newest first, dropping what they created (tables with their data):")
            for name in batch.reversed() { say("  \(name)") }
            guard isatty(STDIN_FILENO) == 1 else {
                say("Nothing reverted: run it again with --yes to revert without asking.")
                return ExitCode(64)
            }
            say("Type yes to revert: ", end: "")
            guard readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces) == "yes" else {
                say("Nothing reverted.")
                return ExitCode(1)
            }
            return nil
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
