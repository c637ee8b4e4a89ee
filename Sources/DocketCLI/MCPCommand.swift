import ArgumentParser
import Docket
import Foundation
import Logging

/// `docket mcp`: serve MCP over standard input and output for a local agent, acting as one account.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the MCP tools over stdio for a local agent (e.g. a desktop MCP client), as one account.",
        discussion: "Logs go to standard error; standard output carries the protocol. Uses the configured database.")

    @Option(help: "The account the agent acts for.") var email: String
    @Flag(help: "Only the reading tools (tasks:read).") var readOnly = false

    func run() async throws {
        let config = try loadConfigOrExit()
        let logger = Logger.docket(level: config.logLevel, format: config.logFormat, sink: .standardError())
        let database: DocketDatabase
        do {
            database = try DocketDatabase(location: config.database, poolSize: 2, logger: logger)
        } catch {
            throw failAndExit("cannot open \(config.database.redacted)", error)
        }
        do {
            try await StdioMCPServer(config: config, database: database, logger: logger).run(email: email, readOnly: readOnly)
            await database.close()
        } catch {
            await database.close()
            throw failAndExit("mcp", error)
        }
    }
}
