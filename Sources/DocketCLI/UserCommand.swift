import ArgumentParser
import Docket
import Foundation

/// `docket user …`: manage accounts from the command line (the first admin comes from here).
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage accounts.",
        subcommands: [Create.self, List.self, SetRole.self, Deactivate.self, Reactivate.self])

    /// Creates an account; the password is read from standard input (or a prompt), never from arguments.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account. The password is read from standard input, or prompted for on a terminal.")

        @Option(help: "The account's email address.") var email: String
        @Option(help: "The display name.") var name: String
        @Flag(help: "Give the account the admin role.") var admin = false

        func run() async throws {
            let password = try readPassword()
            try await withAdminTasks(migrate: true) { tasks in
                let id = try await tasks.createUser(email: email, name: name, password: password, admin: admin)
                print("created \(admin ? "admin" : "user") \(EmailAddress(email)) (\(id.uuidString.lowercased()))")
            }
        }
    }

    /// Lists accounts.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts, newest first.")
        @Option(help: "Only emails containing this text.") var email: String?
        @Option(help: "At most this many.") var limit = 100

        func run() async throws {
            try await withAdminTasks { tasks in
                for account in try await tasks.listUsers(emailContains: email, limit: max(1, min(limit, 100_000))) {
                    print(
                        "\(account.id.uuidString.lowercased())  \(account.role.padding(toLength: 5, withPad: " ", startingAt: 0))  "
                            + "\(account.active ? "active  " : "inactive")  \(account.email)  \(account.name)")
                }
            }
        }
    }

    /// Changes an account's role.
    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-role", abstract: "Set an account's role (user or admin).")
        @Option(help: "The account's email address.") var email: String
        @Option(help: "user or admin.") var role: String

        func run() async throws {
            try await withAdminTasks { try await $0.setRole(email: email, role: role) }
            print("\(EmailAddress(email)) is now \(role)")
        }
    }

    /// Deactivates an account.
    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deactivate an account and sign out its sessions (data is kept).")
        @Option(help: "The account's email address.") var email: String

        func run() async throws {
            try await withAdminTasks { try await $0.setActive(email: email, active: false) }
            print("\(EmailAddress(email)) is deactivated")
        }
    }

    /// Reactivates an account.
    struct Reactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reactivate a deactivated account.")
        @Option(help: "The account's email address.") var email: String

        func run() async throws {
            try await withAdminTasks { try await $0.setActive(email: email, active: true) }
            print("\(EmailAddress(email)) is active")
        }
    }
}

/// Runs `body` with operator tasks against the configured database (migrated first when `migrate`).
func withAdminTasks(migrate: Bool = false, _ body: (AdminTasks) async throws -> Void) async throws {
    try await withDatabase(migrate: migrate) { database, config in
        try await body(AdminTasks(config: config, database: database, logger: config.makeLogger()))
    }
}

/// Reads one line from standard input without echo when it is a terminal.
func readPassword() throws -> String {
    if isatty(STDIN_FILENO) == 1 {
        // Never fall back to reading with echo on a terminal.
        guard let prompted = getpass("Password: ") else {
            FileHandle.standardError.write(Data("docket: cannot read a password from the terminal\n".utf8))
            throw ExitCode(2)
        }
        return String(cString: prompted)
    }
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        FileHandle.standardError.write(Data("docket: no password on standard input\n".utf8))
        throw ExitCode(2)
    }
    return line
}
