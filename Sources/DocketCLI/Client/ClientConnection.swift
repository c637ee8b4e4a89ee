import ArgumentParser
import DocketClient
import Foundation

/// The options every client command shares: which server, and how output is shaped.
struct ClientOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The server's URL.", discussion: "Default: DOCKET_URL, else the server `docket login` signed in to."))
    var url: String?

    @Flag(help: "Print one JSON document (stable keys) instead of text for people.")
    var json = false
}

/// A client for the command: `DOCKET_TOKEN` (a personal access token) when set, else the saved sign-in.
struct ClientConnection {
    let client: DocketClient
    let url: String

    /// The connection `options` and the environment describe; fails with a one-line reason when there is none.
    static func open(_ options: ClientOptions, environment: [String: String] = ProcessInfo.processInfo.environment) async throws
        -> ClientConnection
    {
        if let token = environment["DOCKET_TOKEN"], !token.isEmpty {
            guard let url = options.url ?? environment["DOCKET_URL"] else {
                throw CLIFailure(.usage, "DOCKET_TOKEN is set but no server is: pass --url or set DOCKET_URL")
            }
            return ClientConnection(client: DocketClient(baseURL: try serverURL(url), accessToken: token), url: url)
        }
        let file = try CredentialsFile.open(CredentialsFile.defaultPath(environment: environment))
        let saved = await file.saved
        guard let saved else {
            throw CLIFailure(.notPermitted, "not signed in: run `docket login --url URL` or set DOCKET_TOKEN")
        }
        if let requested = options.url ?? environment["DOCKET_URL"], normalized(requested) != normalized(saved.url) {
            throw CLIFailure(
                .usage, "signed in to \(saved.url), not \(requested): run `docket login --url \(requested)` to switch")
        }
        return ClientConnection(
            client: DocketClient(baseURL: try serverURL(saved.url), tokenStore: file), url: saved.url)
    }

    /// `text` as a server URL: http or https with a host.
    static func serverURL(_ text: String) throws -> URL {
        guard let url = URL(string: normalized(text)), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw CLIFailure(.usage, "\(text) is not a server URL (like https://docket.example.com)")
        }
        return url
    }

    private static func normalized(_ text: String) -> String {
        text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}
