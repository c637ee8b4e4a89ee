import Foundation
import HTTPTypes
import Yams

/// Every operation of `openapi.yaml` with its parameters and body schema, read once at start, so each request can be
/// held to exactly what the contract says before a handler sees it.
struct ContractRules: Sendable {
    let library: SchemaLibrary
    private let operations: [ContractOperation]

    /// Reads the contract's YAML text.
    init(yaml text: String) throws {
        guard let document = try Yams.load(yaml: text) as? [String: Any] else { throw ContractRulesError("the contract is not a mapping") }
        let components = document["components"] as? [String: Any] ?? [:]
        let schemas = try SchemaNode.named(components["schemas"])
        let sharedParameters = components["parameters"] as? [String: Any] ?? [:]
        library = SchemaLibrary(schemas: schemas)
        var operations: [ContractOperation] = []
        for (path, item) in document["paths"] as? [String: Any] ?? [:] {
            guard let item = item as? [String: Any] else { continue }
            let pathLevel = item["parameters"] as? [Any] ?? []
            for (method, operation) in item {
                guard let operation = operation as? [String: Any], let httpMethod = HTTPRequest.Method(method.uppercased()) else { continue }
                let declared = (pathLevel + (operation["parameters"] as? [Any] ?? [])).compactMap { entry -> [String: Any]? in
                    guard let entry = entry as? [String: Any] else { return nil }
                    if let ref = entry["$ref"] as? String { return sharedParameters[String(ref.split(separator: "/").last ?? "")] as? [String: Any] }
                    return entry
                }
                let parameters = try declared.compactMap { entry -> ContractParameter? in
                    guard let name = entry["name"] as? String, let location = (entry["in"] as? String).flatMap(ContractParameter.Location.init),
                        var schema = entry["schema"] as? [String: Any]
                    else { return nil }
                    // A pattern failure quotes the schema's description; a parameter's usually sits on the parameter.
                    if schema["description"] == nil, schema["pattern"] != nil { schema["description"] = entry["description"] }
                    return ContractParameter(
                        name: location == .header ? name.lowercased() : name, location: location,
                        required: entry["required"] as? Bool ?? (location == .path), schema: try SchemaNode(yaml: schema))
                }
                let content = ((operation["requestBody"] as? [String: Any])?["content"] as? [String: Any]) ?? [:]
                let jsonBody = try ((content["application/json"] as? [String: Any])?["schema"] as? [String: Any]).map(SchemaNode.init)
                operations.append(
                    ContractOperation(
                        id: operation["operationId"] as? String ?? "\(method) \(path)", method: httpMethod,
                        pathSegments: path.split(separator: "/").map(String.init), parameters: parameters, jsonBody: jsonBody))
            }
        }
        self.operations = operations
    }

    /// The operation a request is for, or nil when the contract has none. As in the router, the most specific
    /// template wins whatever the method: `PATCH /api/v1/tasks/import` is a 405 of `/api/v1/tasks/import`, not a
    /// PATCH of task "import".
    func operation(method: HTTPRequest.Method, path: String) -> (ContractOperation, [Substring])? {
        let segments = path.split(separator: "/")
        let matching = operations.filter { $0.matches(segments) }
        guard let specificity = matching.map(\.literalCount).max() else { return nil }
        guard let operation = matching.first(where: { $0.literalCount == specificity && $0.method == method }) else { return nil }
        return (operation, segments)
    }
}

/// The contract could not be read into rules (a build-time mistake, reported at start).
struct ContractRulesError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
