import ArgumentParser
import Docket

/// `docket`: run the server and administer its database.
@main
struct DocketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docket",
        abstract: "Docket: a self-hostable, multi-user task-management backend.",
        subcommands: [
            ServeCommand.self, MigrateCommand.self, UserCommand.self, KeysCommand.self, SeedCommand.self, DoctorCommand.self,
            CryptoTimingsCommand.self, MCPCommand.self, EventsCommand.self, StatsCommand.self, VersionCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )
}
