import Foundation

/// One declared parameter of an operation: where it travels, whether it must be there, and its schema.
struct ContractParameter: Sendable {
    /// Where the parameter is sent.
    enum Location: String, Sendable {
        case path, query, header
    }

    let name: String
    let location: Location
    let required: Bool
    let schema: SchemaNode

    /// Checks the raw texts sent for this parameter (none when absent; several for a repeated query parameter) and
    /// returns what is wrong, phrased for the client (`status must be one of todo, in_progress, done`).
    func problems(with texts: [String], library: SchemaLibrary) -> [FieldError] {
        let pointer = "#/\(location.rawValue)/\(name)"
        guard !texts.isEmpty else {
            return required ? [FieldError(pointer: pointer, message: "\(name) is required")] : []
        }
        let resolved = library.resolved(schema)
        let value: JSONValue
        if resolved.types?.contains("array") == true {
            let itemSchema = resolved.items.map(library.resolved)
            var items: [JSONValue] = []
            for text in texts {
                guard let item = Self.typed(text, as: itemSchema?.types ?? ["string"]) else {
                    return [FieldError(pointer: pointer, message: "\(name) must be \(Self.expected(itemSchema, library: library))")]
                }
                items.append(item)
            }
            value = .array(items)
        } else {
            guard texts.count == 1 else { return [FieldError(pointer: pointer, message: "\(name) must be given only once")] }
            guard let typed = Self.typed(texts[0], as: resolved.types ?? ["string"]) else {
                return [FieldError(pointer: pointer, message: "\(name) must be \(Self.expected(resolved, library: library))")]
            }
            value = typed
        }
        var errors: [FieldError] = []
        schema.validate(value, at: "", in: library, into: &errors)
        return errors.map { error in
            let item = ""
            return FieldError(pointer: pointer, message: "\(name)\(item) \(error.message)")
        }
    }

    /// The text read as the schema's type, or nil when it is not one.
    private static func typed(_ text: String, as types: [String]) -> JSONValue? {
        if types.contains("integer"), let value = Int64(text) { return .integer(value) }
        if types.contains("number"), let value = Double(text), value.isFinite { return .number(value) }
        if types.contains("boolean"), text == "true" || text == "false" { return .bool(text == "true") }
        if types.contains("string") { return .string(text) }
        return nil
    }

    private static func expected(_ schema: SchemaNode?, library: SchemaLibrary) -> String {
        guard let schema else { return "a string" }
        if let values = schema.enumValues { return "one of " + values.map(\.display).joined(separator: ", ") }
        switch schema.types?.first {
        case "integer": return "an integer"
        case "number": return "a number"
        case "boolean": return "true or false"
        default: return "a string"
        }
    }
}
