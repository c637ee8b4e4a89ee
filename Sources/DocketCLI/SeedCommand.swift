import ArgumentParser
import Docket
import Foundation

/// `docket seed`: bulk-load synthetic tasks for benchmarks (not for production data).
struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed", abstract: "Bulk-load synthetic tasks for an account (created if missing), for benchmarks.")

    @Option(help: "The account to fill.") var email: String
    @Option(help: "Number of tasks to add.") var tasks: Int
    @Option(help: "Also create this many other accounts with --tasks-per-other tasks each, to grow the table.") var others = 0
    @Option(help: "Tasks for each other account.") var tasksPerOther = 0

    func run() async throws {
        let password = try readPassword()
        try await withDatabase(migrate: true) { database, config in
            let seeder = TaskSeeder(config: config, database: database, logger: config.makeLogger())
            let started = Date()
            let id = try await seeder.seed(email: email, password: password, count: tasks)
            for index in 0..<others {
                try await seeder.seed(email: "seed-other-\(index)@example.invalid", password: password, count: tasksPerOther)
            }
            let seconds = Date().timeIntervalSince(started)
            print(
                "seeded \(tasks) task(s) for \(EmailAddress(email)) (\(id.uuidString.lowercased()))"
                    + (others > 0 ? " and \(others * tasksPerOther) for \(others) other account(s)" : "")
                    + String(format: " in %.1f s", seconds))
        }
    }
}
