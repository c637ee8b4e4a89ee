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
            let address = try email ?? prompt("Email: ")
            let password = try readPassword()
            let file = try CredentialsFile.open(CredentialsFile.defaultPath(environment: environment))
            if let previous = await file.saved {
                // End the previous session rather than leave its refresh token working.
                try? await DocketClient(baseURL: try ClientConnection.serverURL(previous.url), tokenStore: file).signOut()
            }
            await file.begin(url: server.absoluteString, email: address)
            let client = DocketClient(baseURL: server, tokenStore: file)
            do {
                let user = try await client.signIn(email: address, password: password)
                print("signed in to \(server.absoluteString) as \(user.email)")
            } catch let problem as DocketProblem where problem.kind == .unauthorized {
                try? await file.save(nil)
                throw CLIFailure(.notPermitted, "invalid email or password")
            } catch {
                try? await file.save(nil)
                throw error
            }
        }
    }

    private func prompt(_ text: String) throws -> String {
        if isatty(STDIN_FILENO) == 1 { FileHandle.standardError.write(Data(text.utf8)) }
        guard let line = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), !line.isEmpty else {
            throw CLIFailure(.usage, "no email given")
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
                try printJSON(user)
            } else {
                print("\(user.email) (\(user.name)), \(user.role.rawValue) on \(connection.url)")
            }
        }
    }
}
