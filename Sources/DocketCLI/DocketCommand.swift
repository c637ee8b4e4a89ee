import ArgumentParser
import Docket

/// `docket`: run the server, administer its database, and use a server as a client (login, tasks, tokens).
@main
struct DocketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docket",
        abstract: "Docket: a self-hostable, multi-user task-management backend.",
        subcommands: [
            ServeCommand.self, MigrateCommand.self, UserCommand.self, KeysCommand.self, SeedCommand.self, DoctorCommand.self,
            CryptoTimingsCommand.self, MCPCommand.self, EventsCommand.self, StatsCommand.self, VersionCommand.self,
            LoginCommand.self, LogoutCommand.self, WhoamiCommand.self, TasksCommand.self, TokensCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )
}
