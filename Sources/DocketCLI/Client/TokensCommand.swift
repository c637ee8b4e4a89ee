import ArgumentParser
import DocketClient
import Foundation

extension DocketTokenScope: ExpressibleByArgument {}

/// `docket tokens …`: personal access tokens for scripts, CI and agents.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Create, list and revoke personal access tokens.",
        discussion: "A token works as DOCKET_TOKEN for the other commands, or as a bearer token for the API and MCP.",
        subcommands: [Create.self, List.self, Revoke.self])

    /// Creates a token and prints its secret once.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token; its secret is printed this once.")

        @OptionGroup var options: ClientOptions
        @Option(help: "A name to recognise it by.") var name: String
        @Option(help: "A scope it holds (repeatable; default tasks:read and tasks:write).") var scope: [DocketTokenScope] = []
        @Option(help: "Days until it expires (1–365; default 30).") var expiresInDays: Int?

        func run() async throws {
            try await runClientCommand {
                let client = try await ClientConnection.open(options).client
                let scopes: [DocketTokenScope] = scope.isEmpty ? [.tasksRead, .tasksWrite] : scope
                let created = try await client.createAccessToken(name: name, scopes: scopes, expiresInDays: expiresInDays)
                if options.json {
                    try printJSON(created.metadata, keys: JSONKeys.accessToken + ["token"], adding: ["token": created.token])
                } else {
                    print(created.token)
                    FileHandle.standardError.write(
                        Data("created \(created.metadata.id) (\(name)); the secret above is shown only once\n".utf8))
                }
            }
        }
    }

    /// Lists tokens.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your tokens (never their secrets).")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runClientCommand {
                let tokens = try await ClientConnection.open(options).client.accessTokens()
                if options.json {
                    try printJSON(tokens, keys: JSONKeys.accessToken)
                } else if tokens.isEmpty {
                    print("no tokens")
                } else {
                    let rows = tokens.map { token in
                        [
                            token.id, token.prefix, token.scopes.map(\.rawValue).joined(separator: ","),
                            token.expiresAt.formatted(.iso8601.year().month().day()),
                            token.lastUsedAt.map { $0.formatted(.iso8601) } ?? "never", token.name,
                        ]
                    }
                    print(TerminalStyle.current().table(header: ["ID", "PREFIX", "SCOPES", "EXPIRES", "LAST USED", "NAME"], rows: rows))
                }
            }
        }
    }

    /// Revokes a token.
    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token at once.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The token's id.") var id: String

        func run() async throws {
            try await runClientCommand {
                try await ClientConnection.open(options).client.revokeAccessToken(id)
                if options.json { try printJSON(["revoked": id]) } else { print("revoked \(id)") }
            }
        }
    }
}
