import ArgumentParser
import Docket
import Foundation
import Logging

/// Reads the configuration the way every subcommand does, turning a bad value into one line on stderr and exit code 2.
func loadConfigOrExit() throws -> DocketConfig {
    do {
        return try DocketConfig.load(from: try DocketConfig.environment())
    } catch {
        FileHandle.standardError.write(Data("docket: invalid configuration: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

/// Prints a failure as one line on stderr and exits 1.
func failAndExit(_ what: String, _ error: any Error) -> ExitCode {
    FileHandle.standardError.write(Data("docket: \(what): \(error)\n".utf8))
    return ExitCode(1)
}

extension DocketConfig {
    /// The process logger in the configured format: on standard error, so a command's own output on standard output
    /// stays clean (`docket serve` passes its buffered standard-output sink).
    func makeLogger(sink: LogSink = .standardError()) -> Logger {
        Logger.docket(level: logLevel, format: logFormat, sink: sink)
    }
}
