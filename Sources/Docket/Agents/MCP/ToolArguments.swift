import Foundation
import MCP

/// A tool call's arguments, read field by field against what the tool's schema allows; every problem becomes a field
/// error (the SDK does not check arguments against the schema).
struct ToolArguments {
    private let values: [String: Value]
    private(set) var errors: [FieldError] = []

    /// The arguments of a call to a tool that accepts `allowed`; unknown names are errors.
    init(_ values: [String: Value]?, allowed: Set<String>) {
        self.values = values ?? [:]
        for key in self.values.keys.sorted() where !allowed.contains(key) {
            errors.append(FieldError(pointer: "/\(key)", message: "is not an argument of this tool"))
        }
    }

    /// Whether the argument was given at all (null counts).
    func has(_ key: String) -> Bool { values[key] != nil }

    mutating func string(_ key: String, required: Bool = false) -> String? {
        switch values[key] {
        case .string(let text)?: return text
        case nil, .null?:
            if required { errors.append(FieldError(pointer: "/\(key)", message: "is required")) }
            return nil
        default:
            errors.append(FieldError(pointer: "/\(key)", message: "must be a string"))
            return nil
        }
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
        switch values[key] {
        case .int(let number)? where range.contains(number): return number
        case nil, .null?: return nil
        default:
            errors.append(FieldError(pointer: "/\(key)", message: "must be an integer from \(range.lowerBound) to \(range.upperBound)"))
            return nil
        }
    }

    mutating func uuid(_ key: String) -> UUID? {
        guard let text = string(key, required: true) else { return nil }
        guard let id = UUID(uuidString: text) else {
            errors.append(FieldError(pointer: "/\(key)", message: "must be a UUID"))
            return nil
        }
        return id
    }

    mutating func choice<Choice: RawRepresentable<String>>(_ key: String, as type: Choice.Type = Choice.self) -> Choice? {
        guard let text = string(key) else { return nil }
        guard let value = Choice(rawValue: text) else {
            errors.append(FieldError(pointer: "/\(key)", message: "has a value that is not allowed"))
            return nil
        }
        return value
    }

    mutating func choices<Choice: RawRepresentable<String>>(_ key: String, as type: Choice.Type = Choice.self) -> [Choice] {
        guard let value = values[key], !value.isNull else { return [] }
        guard let items = value.arrayValue else {
            errors.append(FieldError(pointer: "/\(key)", message: "must be an array"))
            return []
        }
        return items.enumerated().compactMap { index, item in
            guard let choice = item.stringValue.flatMap(Choice.init(rawValue:)) else {
                errors.append(FieldError(pointer: "/\(key)/\(index)", message: "has a value that is not allowed"))
                return nil
            }
            return choice
        }
    }

    /// A nullable text field of a patch: absent keeps, null clears, a string sets.
    mutating func change(_ key: String) -> FieldChange<String> {
        switch values[key] {
        case nil: return .keep
        case .null?: return .clear
        case .string(let text)?: return .set(text)
        default:
            errors.append(FieldError(pointer: "/\(key)", message: "must be a string or null"))
            return .keep
        }
    }

    /// A nested object argument's own arguments.
    mutating func object(_ key: String, allowed: Set<String>) -> ToolArguments {
        switch values[key] {
        case .object(let nested)?: return ToolArguments(nested, allowed: allowed)
        case nil, .null?: return ToolArguments(nil, allowed: allowed)
        default:
            errors.append(FieldError(pointer: "/\(key)", message: "must be an object"))
            return ToolArguments(nil, allowed: allowed)
        }
    }

    /// The raw value of an argument, for parts another parser checks.
    func raw(_ key: String) -> Value? { values[key] }

    /// Adds a nested object's errors under `key`.
    mutating func absorb(_ nested: ToolArguments, under key: String) {
        errors += nested.errors.map { FieldError(pointer: "/\(key)\($0.pointer)", message: $0.message) }
    }

    /// Throws a 422 listing every problem found so far.
    func check() throws { try CredentialRules.check(errors) }
}
