import ArgumentParser
import Docket
import Logging

/// `docket doctor`: check configuration, database, migrations and key files; exit 1 when anything is wrong.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Check configuration, database reachability, migrations and key files.")

    func run() async throws {
        let config = try loadConfigOrExit()
        var logger = config.makeLogger()
        logger.logLevel = .critical
        let findings = await Doctor(config: config).run(logger: logger)
        for finding in findings { print("\(finding.ok ? "ok     " : "PROBLEM") \(finding.message)") }
        if findings.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }
}
