/// The contract's named schemas (`components/schemas`), which `$ref`s point into.
struct SchemaLibrary: Sendable {
    private let schemas: [String: SchemaNode]

    init(schemas: [String: SchemaNode]) {
        self.schemas = schemas
    }

    /// The schema called `name`, if the contract has one.
    func schema(named name: String) -> SchemaNode? {
        schemas[name]
    }

    /// The schema `node` stands for once `$ref`s are followed (for reading its `type`).
    func resolved(_ node: SchemaNode) -> SchemaNode {
        var current = node
        var hops = 0
        while let ref = current.ref, let next = schemas[ref], hops < 16 {
            current = next
            hops += 1
        }
        return current
    }
}
