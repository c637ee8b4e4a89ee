import ArgumentParser
import Docket
import Foundation

/// `docket user create`: create accounts from the command line (the first admin comes from here).
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage accounts.", subcommands: [Create.self])

    /// Creates an account; the password is read from standard input (or a prompt), never from arguments.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account. The password is read from standard input, or prompted for on a terminal.")

        @Option(help: "The account's email address.") var email: String
        @Option(help: "The display name.") var name: String
        @Flag(help: "Give the account the admin role.") var admin = false

        func run() async throws {
            let password = try readPassword()
            try await withDatabase(migrate: true) { database, config in
                let id = try await AdminTasks(config: config, database: database, logger: config.makeLogger())
                    .createUser(email: email, name: name, password: password, admin: admin)
                print("created \(admin ? "admin" : "user") \(email.lowercased()) (\(id.uuidString.lowercased()))")
            }
        }
    }
}

/// Reads one line from standard input without echo when it is a terminal.
func readPassword() throws -> String {
    if isatty(STDIN_FILENO) == 1, let prompted = getpass("Password: ") {
        return String(cString: prompted)
    }
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        FileHandle.standardError.write(Data("docket: no password on standard input\n".utf8))
        throw ExitCode(2)
    }
    return line
}
