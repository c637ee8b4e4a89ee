import ArgumentParser
import DocketClient
import Foundation

/// `docket login`: sign in to a server and save the session for the other client commands.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login", abstract: "Sign in to a Docket server.",
        discussion: """
            Prompts for the email and the password (without echo). Without a terminal, reads the email (unless \
            --email is given) and then the password as lines from standard input. The session's refresh token is \
            saved in $XDG_CONFIG_HOME/docket/credentials.json (~/.config/docket/…), readable only by you; every \
            other client command uses it and keeps it fresh.
            """)

    @Option(help: "The server's URL, e.g. https://docket.example.com.") var url: String
    @Option(help: "The account's email (prompted for when absent).") var email: String?

    func run() async throws {
        try await runClientCommand {
            let environment = ProcessInfo.processInfo.environment
            let server = try ClientConnection.serverURL(url)
            let address = try email ?? readLine(prompt: "Email: ")
            let password = try readSecret(prompt: "Password: ")
            let file = try CredentialsFile.open(CredentialsFile.defaultPath(environment: environment))
            // Sign in first, so a mistyped password leaves the previous session as it was.
            let fresh = InMemoryTokenStore()
            let user: DocketUser
            do {
                user = try await DocketClient(baseURL: server, tokenStore: fresh).signIn(email: address, password: password)
            } catch let problem as DocketProblem where problem.kind == .unauthorized {
                throw CLIFailure(.notPermitted, "invalid email or password")
            }
            if let previous = await file.saved {
                // End the previous session rather than leave its refresh token working.
                try? await DocketClient(baseURL: try ClientConnection.serverURL(previous.url), tokenStore: file).signOut()
            }
            try await file.start(url: server.absoluteString, email: address, credentials: await fresh.load())
            print("signed in to \(server.absoluteString) as \(user.email)")
        }
    }

    private func readLine(prompt: String) throws -> String {
        if isatty(STDIN_FILENO) == 1 { FileHandle.standardError.write(Data(prompt.utf8)) }
        guard let line = Swift.readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), !line.isEmpty else {
            throw CLIFailure(.usage, "no email given")
        }
        return line
    }

    /// The password: prompted for without echo on a terminal (never echoed as a fallback), else a line of stdin.
    private func readSecret(prompt: String) throws -> String {
        if isatty(STDIN_FILENO) == 1 {
            guard let typed = getpass(prompt) else { throw CLIFailure(.usage, "cannot read a password from the terminal") }
            let password = String(cString: typed)
            guard !password.isEmpty else { throw CLIFailure(.usage, "no password given") }
            return password
        }
        guard let line = Swift.readLine(strippingNewline: true), !line.isEmpty else {
            throw CLIFailure(.usage, "no password on standard input")
        }
        return line
    }
}

/// `docket logout`: end the saved session on the server and forget it.
struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout", abstract: "Sign out: the server ends the session and the saved tokens are deleted.")

    func run() async throws {
        try await runClientCommand {
            let file = try CredentialsFile.open(CredentialsFile.defaultPath(environment: ProcessInfo.processInfo.environment))
            guard let saved = await file.saved else {
                print("not signed in")
                return
            }
            try await DocketClient(baseURL: try ClientConnection.serverURL(saved.url), tokenStore: file).signOut()
            print("signed out of \(saved.url)")
        }
    }
}

/// `docket whoami`: the account the saved session (or DOCKET_TOKEN) acts as.
struct WhoamiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show the signed-in account.")

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runClientCommand {
            let connection = try await ClientConnection.open(options)
            let user = try await connection.client.currentUser()
            if options.json {
                try printJSON(user, keys: JSONKeys.user)
            } else {
                print("\(user.email) (\(user.name)), \(user.role.rawValue) on \(connection.url)")
            }
        }
    }
}
