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
        default: throw ConfigError(variable: name, problem: "must be true or false, got \"\(text)\"")
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
