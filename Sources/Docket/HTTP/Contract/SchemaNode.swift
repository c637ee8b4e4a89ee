import Foundation

/// One JSON Schema from the contract, compiled once at start for the keywords `openapi.yaml` uses: type (with
/// `null`), enum, string lengths (in code points, as JSON Schema counts), pattern, format, numeric bounds, object
/// properties / required / additionalProperties / min- and maxProperties, array items / min- and maxItems /
/// uniqueItems, allOf / anyOf / oneOf and `$ref`.
final class SchemaNode: Sendable {
    let ref: String?
    let types: [String]?
    let enumValues: [JSONValue]?
    let minLength: Int?
    let maxLength: Int?
    let pattern: CompiledPattern?
    let format: String?
    let minimum: Double?
    let maximum: Double?
    let exclusiveMinimum: Double?
    let exclusiveMaximum: Double?
    let properties: [String: SchemaNode]
    let required: [String]
    /// nil: anything goes; `.some(nil)`: no other property allowed; `.some(node)`: others must match `node`.
    let additionalProperties: SchemaNode??
    let minProperties: Int?
    let maxProperties: Int?
    let items: SchemaNode?
    let minItems: Int?
    let maxItems: Int?
    let uniqueItems: Bool
    let allOf: [SchemaNode]
    let anyOf: [SchemaNode]
    let oneOf: [SchemaNode]
    /// The schema's own description, quoted when a value breaks its pattern (a regex alone teaches nobody).
    let summary: String?

    /// Compiles a schema object as `Yams.load` returns it.
    init(yaml: [String: Any]) throws {
        ref = (yaml["$ref"] as? String).map { String($0.split(separator: "/").last ?? "") }
        switch yaml["type"] {
        case let single as String: types = [single]
        case let several as [Any]: types = several.map { ($0 as? String) ?? "null" }
        default: types = nil
        }
        enumValues = (yaml["enum"] as? [Any])?.map { JSONValue(yaml: $0) ?? .null }
        minLength = yaml["minLength"] as? Int
        maxLength = yaml["maxLength"] as? Int
        pattern = try (yaml["pattern"] as? String).map(CompiledPattern.init)
        format = yaml["format"] as? String
        minimum = Self.number(yaml["minimum"])
        maximum = Self.number(yaml["maximum"])
        exclusiveMinimum = Self.number(yaml["exclusiveMinimum"])
        exclusiveMaximum = Self.number(yaml["exclusiveMaximum"])
        properties = try Self.named(yaml["properties"])
        required = (yaml["required"] as? [Any])?.compactMap { $0 as? String } ?? []
        switch yaml["additionalProperties"] {
        case let allowed as Bool: additionalProperties = allowed ? nil : .some(nil)
        case let schema as [String: Any]: additionalProperties = .some(try SchemaNode(yaml: schema))
        default: additionalProperties = nil
        }
        minProperties = yaml["minProperties"] as? Int
        maxProperties = yaml["maxProperties"] as? Int
        items = try (yaml["items"] as? [String: Any]).map(SchemaNode.init)
        minItems = yaml["minItems"] as? Int
        maxItems = yaml["maxItems"] as? Int
        uniqueItems = yaml["uniqueItems"] as? Bool ?? false
        allOf = try Self.list(yaml["allOf"])
        anyOf = try Self.list(yaml["anyOf"])
        oneOf = try Self.list(yaml["oneOf"])
        summary = (yaml["description"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func number(_ value: Any?) -> Double? {
        switch value {
        case let value as Int: Double(value)
        case let value as Double: value
        default: nil
        }
    }

    private static func list(_ value: Any?) throws -> [SchemaNode] {
        var nodes: [SchemaNode] = []
        for case let schema as [String: Any] in value as? [Any] ?? [] { nodes.append(try SchemaNode(yaml: schema)) }
        return nodes
    }

    /// Each schema of a mapping from names to schemas (`properties`, `components/schemas`), compiled.
    static func named(_ value: Any?) throws -> [String: SchemaNode] {
        var nodes: [String: SchemaNode] = [:]
        for (name, schema) in value as? [String: Any] ?? [:] {
            if let schema = schema as? [String: Any] { nodes[name] = try SchemaNode(yaml: schema) }
        }
        return nodes
    }

    /// Appends a field error for every way `value` (found at `pointer`) breaks this schema.
    func validate(_ value: JSONValue, at pointer: String, in library: SchemaLibrary, into errors: inout [FieldError]) {
        if let ref {
            library.schema(named: ref)?.validate(value, at: pointer, in: library, into: &errors)
        }
        for schema in allOf { schema.validate(value, at: pointer, in: library, into: &errors) }
        if !anyOf.isEmpty || !oneOf.isEmpty {
            let choices = anyOf.isEmpty ? oneOf : anyOf
            let matching = choices.filter { choice in
                var scratch: [FieldError] = []
                choice.validate(value, at: pointer, in: library, into: &scratch)
                return scratch.isEmpty
            }.count
            if matching == 0 || (!oneOf.isEmpty && matching > 1) {
                errors.append(FieldError(pointer: pointer, message: "must match exactly one of the allowed shapes"))
            }
        }
        if let types, !types.contains(where: { Self.matches(value, type: $0) }) {
            errors.append(FieldError(pointer: pointer, message: "must be \(Self.describe(types))"))
            return
        }
        if let enumValues, !enumValues.contains(value) {
            let allowed = enumValues.filter { $0 != .null }.map(\.display).joined(separator: ", ")
            errors.append(FieldError(pointer: pointer, message: "must be one of \(allowed)"))
            return
        }
        switch value {
        case .string(let text): validateString(text, at: pointer, into: &errors)
        case .integer, .number: validateNumber(value, at: pointer, into: &errors)
        case .object(let members): validateObject(members, at: pointer, in: library, into: &errors)
        case .array(let elements): validateArray(elements, at: pointer, in: library, into: &errors)
        case .null, .bool: break
        }
    }

    private func validateString(_ text: String, at pointer: String, into errors: inout [FieldError]) {
        let length = text.unicodeScalars.count
        if let minLength, length < minLength {
            errors.append(FieldError(pointer: pointer, message: minLength == 1 ? "must not be empty" : "must be at least \(minLength) characters"))
        } else if let maxLength, length > maxLength {
            errors.append(FieldError(pointer: pointer, message: "must be at most \(maxLength) characters"))
        }
        if let pattern, !pattern.matches(text) {
            errors.append(FieldError(pointer: pointer, message: summary.map { "is invalid: \($0)" } ?? pattern.explanation))
        }
        if let format, let problem = StringFormat.problem(with: text, format: format) {
            errors.append(FieldError(pointer: pointer, message: problem))
        }
    }

    private func validateNumber(_ value: JSONValue, at pointer: String, into errors: inout [FieldError]) {
        guard let number = value.numericValue else { return }
        if let minimum, number < minimum { errors.append(FieldError(pointer: pointer, message: "must be at least \(Self.text(minimum))")) }
        if let maximum, number > maximum { errors.append(FieldError(pointer: pointer, message: "must be at most \(Self.text(maximum))")) }
        if let exclusiveMinimum, number <= exclusiveMinimum {
            errors.append(FieldError(pointer: pointer, message: "must be more than \(Self.text(exclusiveMinimum))"))
        }
        if let exclusiveMaximum, number >= exclusiveMaximum {
            errors.append(FieldError(pointer: pointer, message: "must be less than \(Self.text(exclusiveMaximum))"))
        }
        if format == "int32", number < Double(Int32.min) || number > Double(Int32.max) {
            errors.append(FieldError(pointer: pointer, message: "must fit in 32 bits"))
        }
    }

    private func validateObject(_ members: [String: JSONValue], at pointer: String, in library: SchemaLibrary, into errors: inout [FieldError]) {
        for name in required where members[name] == nil {
            errors.append(FieldError(pointer: pointer + "/" + Self.escape(name), message: "is required"))
        }
        for name in members.keys.sorted() {
            let member = members[name]!
            let memberPointer = pointer + "/" + Self.escape(name)
            if let schema = properties[name] {
                schema.validate(member, at: memberPointer, in: library, into: &errors)
            } else if case .some(let extra) = additionalProperties {
                if let extra {
                    extra.validate(member, at: memberPointer, in: library, into: &errors)
                } else {
                    errors.append(FieldError(pointer: memberPointer, message: "is not a known field"))
                }
            }
        }
        if let minProperties, members.count < minProperties {
            let names = properties.keys.sorted().joined(separator: ", ")
            errors.append(FieldError(pointer: pointer, message: "must set at least \(minProperties) of \(names)"))
        }
        if let maxProperties, members.count > maxProperties {
            errors.append(FieldError(pointer: pointer, message: "must have at most \(maxProperties) members"))
        }
    }

    private func validateArray(_ elements: [JSONValue], at pointer: String, in library: SchemaLibrary, into errors: inout [FieldError]) {
        if let minItems, elements.count < minItems { errors.append(FieldError(pointer: pointer, message: "must have at least \(minItems) items")) }
        if let maxItems, elements.count > maxItems { errors.append(FieldError(pointer: pointer, message: "must have at most \(maxItems) items")) }
        if uniqueItems {
            var seen: [JSONValue] = []
            for element in elements {
                if seen.contains(element) {
                    errors.append(FieldError(pointer: pointer, message: "must not repeat an item (\(element.display))"))
                    break
                }
                seen.append(element)
            }
        }
        guard let items else { return }
        for (index, element) in elements.enumerated() {
            items.validate(element, at: pointer + "/\(index)", in: library, into: &errors)
        }
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("number", .integer), ("number", .number): true
        default: value.typeName == type
        }
    }

    private static func describe(_ types: [String]) -> String {
        let names = types.map { type in
            switch type {
            case "integer": "an integer"
            case "object", "array": "an \(type)"
            case "null": "null"
            default: "a \(type)"
            }
        }
        return names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    private static func text(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    /// RFC 6901 escaping of one reference token.
    static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
