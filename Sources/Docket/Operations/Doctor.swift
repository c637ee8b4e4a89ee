import Foundation
import Logging

/// `docket doctor`: checks what a deployment needs and reports each finding as one line.
public struct Doctor: Sendable {
    /// One check's outcome.
    public struct Finding: Sendable {
        public let ok: Bool
        public let message: String
    }

    let config: DocketConfig

    /// A doctor for `config`.
    public init(config: DocketConfig) { self.config = config }

    /// Runs every check; never throws (a failure is a finding).
    public func run(logger: Logger) async -> [Finding] {
        var findings: [Finding] = []
        findings.append(Finding(ok: true, message: "configuration parsed (database: \(config.database.redacted))"))
        findings.append(checkDataDirectory())
        findings.append(contentsOf: checkKeys())
        do {
            let database = try DocketDatabase(location: config.database, poolSize: 1, logger: logger)
            do {
                let pending = try await database.pendingMigrations()
                findings.append(Finding(ok: true, message: "database reachable"))
                findings.append(
                    pending.isEmpty
                        ? Finding(ok: true, message: "all migrations applied")
                        : Finding(ok: false, message: "\(pending.count) migration(s) pending: run `docket migrate up`"))
            } catch {
                findings.append(Finding(ok: false, message: "database unreachable: \(DatabaseFailure.describe(error))"))
            }
            await database.close()
        } catch {
            findings.append(Finding(ok: false, message: "database cannot be opened: \(error)"))
        }
        findings.append(checkTracing())
        if config.server.corsOrigins.isEmpty {
            findings.append(Finding(ok: true, message: "CORS: no browser origins allowed (set DOCKET_CORS_ORIGINS for web apps)"))
        }
        return findings
    }

    private func checkTracing() -> Finding {
        guard let endpoint = config.tracing.endpoint else {
            return Finding(ok: true, message: "tracing: off (set OTEL_EXPORTER_OTLP_ENDPOINT to export traces)")
        }
        guard RequestTracing.exportBuiltIn else {
            return Finding(
                ok: false,
                message: "tracing: OTEL_EXPORTER_OTLP_ENDPOINT is set but this build has no OTLP exporter (build with --traits OpenTelemetry)")
        }
        return Finding(ok: true, message: "tracing: spans are exported to \(endpoint) (\(config.tracing.encoding.rawValue))")
    }

    private func checkDataDirectory() -> Finding {
        let path = config.dataDirectory
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { return Finding(ok: false, message: "data directory \(path) is not a directory") }
            return FileManager.default.isWritableFile(atPath: path)
                ? Finding(ok: true, message: "data directory \(path) is writable")
                : Finding(ok: false, message: "data directory \(path) is not writable")
        }
        return Finding(ok: true, message: "data directory \(path) will be created on start")
    }

    private func checkKeys() -> [Finding] {
        let path = config.keysFilePath
        guard FileManager.default.fileExists(atPath: path) else {
            return [
                config.auth.keysFile == nil
                    ? Finding(ok: true, message: "no JWT key file yet; one is generated at \(path) on first start (one node only)")
                    : Finding(ok: false, message: "DOCKET_JWT_KEYS_FILE \(path) does not exist")
            ]
        }
        var findings: [Finding] = []
        do {
            let file = try SigningKeyFile.read(from: path)
            findings.append(Finding(ok: true, message: "JWT key file \(path): \(file.keys.count) key(s), signing with \(file.signingKID)"))
        } catch {
            findings.append(Finding(ok: false, message: "JWT key file \(path) is unusable: \(error)"))
        }
        if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
            findings.append(Finding(ok: false, message: "JWT key file \(path) is readable by others (mode \(String(mode, radix: 8))); chmod 600 it"))
        }
        return findings
    }
}
