import Foundation

/// Secrets from files, as Kubernetes and Docker mount them: for each secret variable `NAME`, `NAME_FILE` may name a
/// file whose contents (one trailing newline dropped) are the value, so a secret never has to be an environment value.
enum SecretFileVariables {
    /// The variables that carry credentials and can therefore come from a file.
    static let names = [
        "DATABASE_URL", "DOCKET_BROKER_URL", "DOCKET_SMTP_URL", "DOCKET_METRICS_TOKEN", "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    ]

    /// `environment` with every `NAME_FILE` replaced by `NAME` set to the file's contents.
    /// - Throws: `ConfigError` naming `NAME_FILE` when both are set, or the file cannot be read or is empty.
    static func resolved(_ environment: [String: String]) throws(ConfigError) -> [String: String] {
        var resolved = environment
        for name in names {
            let fileVariable = name + "_FILE"
            guard let path = environment[fileVariable]?.trimmingCharacters(in: .whitespaces), !path.isEmpty else { continue }
            if let direct = environment[name], !direct.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ConfigError(variable: fileVariable, problem: "set either \(name) or \(fileVariable), not both")
            }
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigError(variable: fileVariable, problem: "cannot read the file \(path)")
            }
            var value = contents
            if value.hasSuffix("\r\n") {
                value.removeLast(2)
            } else if value.hasSuffix("\n") {
                value.removeLast()
            }
            guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ConfigError(variable: fileVariable, problem: "the file \(path) is empty")
            }
            resolved[name] = value
            resolved[fileVariable] = nil
        }
        return resolved
    }
}
