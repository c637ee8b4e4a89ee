import ArgumentParser
import Docket
import Foundation
import Logging
import ServiceLifecycle

/// `docket serve`: migrate (when enabled) and serve HTTP until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the HTTP server (the default).")

    func run() async throws {
        let config = try loadConfigOrExit()
        do {
            try config.preflight()
        } catch {
            FileHandle.standardError.write(Data("docket: invalid configuration: \(error)\n".utf8))
            throw ExitCode(2)
        }
        // Request lines go through a writer thread; whatever is still buffered is written before the process ends.
        let sink = LogSink.standardOutput(buffered: true)
        defer { sink.flush() }
        let logger = config.makeLogger(sink: sink)
        do {
            let app = try await buildApplication(config: config, logger: logger, logSink: sink)
            var groupConfig = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            groupConfig.maximumGracefulShutdownDuration = config.shutdownTimeout
            groupConfig.maximumCancellationDuration = .seconds(2)
            try await ServiceGroup(configuration: groupConfig).run()
            logger.notice("Docket stopped")
        } catch {
            logger.critical("Docket could not run", metadata: ["error": .string(String(describing: error))])
            sink.flush()
            throw failAndExit("could not run", error)
        }
    }
}
