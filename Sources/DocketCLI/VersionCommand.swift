import ArgumentParser
import Docket

/// `docket version`: print the version.
struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print Docket's version.")

    func run() async throws {
        print("docket \(DocketVersion.current)")
        print("trace export (OTLP/HTTP): \(RequestTracing.exportBuiltIn ? "built in" : "not built in (build with --traits OpenTelemetry)")")
    }
}
