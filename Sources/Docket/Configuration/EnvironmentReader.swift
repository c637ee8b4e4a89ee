import Foundation

/// Typed, validating access to string environment values.
struct EnvironmentReader {
    let values: [String: String]

    init(_ values: [String: String]) { self.values = values }

    /// The value of `name` without surrounding spaces, or nil when unset or blank.
    func raw(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func nonEmptyString(_ name: String, default fallback: String) throws(ConfigError) -> String {
        raw(name) ?? fallback
    }

    /// An address to bind: an IPv4 or IPv6 literal that parses, or a host name (checked before anything starts, so a
    /// typo is not found after the database was created).
    func bindHost(_ name: String, default fallback: String) throws(ConfigError) -> String {
        guard let text = raw(name) else { return fallback }
        let problem = "must be an IP address or a host name to bind, got \"\(text)\""
        var address = in6_addr()
        if text.contains(":") {
            guard inet_pton(AF_INET6, text, &address) == 1 else { throw ConfigError(variable: name, problem: problem) }
        } else if text.allSatisfy({ $0.isNumber || $0 == "." }) {
            guard inet_pton(AF_INET, text, &address) == 1 else { throw ConfigError(variable: name, problem: problem) }
        } else {
            let labels = text.split(separator: ".", omittingEmptySubsequences: false)
            guard text.count <= 253,
                labels.allSatisfy({ label in
                    (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                        && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
                })
            else { throw ConfigError(variable: name, problem: problem) }
        }
        return text
    }

    func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let text = raw(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigError(
                variable: name,
                problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\""
            )
        }
        return value
    }

    func boolean(_ name: String, default fallback: Bool) throws(ConfigError) -> Bool {
        guard let text = raw(name) else { return fallback }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigError(variable: name, problem: "must be one of true, false, 1, 0, yes, no, on, off, got \"\(text)\"")
        }
    }

    func choice<Value: ConfigChoice>(_ name: String, default fallback: Value) throws(ConfigError) -> Value {
        guard let text = raw(name) else { return fallback }
        guard let value = Value(configValue: text.lowercased()) else {
            let allowed = Value.allowedValues.joined(separator: ", ")
            throw ConfigError(variable: name, problem: "must be one of \(allowed), got \"\(text)\"")
        }
        return value
    }

    func databaseLocation(_ name: String, dataDirectory: String) throws(ConfigError) -> DatabaseLocation {
        guard let text = raw(name) else {
            return .sqlite(path: (dataDirectory as NSString).appendingPathComponent("docket.sqlite"))
        }
        do {
            return try DatabaseLocation(url: text)
        } catch {
            throw ConfigError(variable: name, problem: error.reason)
        }
    }
}
