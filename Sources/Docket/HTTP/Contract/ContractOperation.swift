import HTTPTypes

/// What the contract declares for one operation: its parameters and, when it takes one, its JSON body's schema.
struct ContractOperation: Sendable {
    let id: String
    let method: HTTPRequest.Method
    let pathSegments: [String]
    let parameters: [ContractParameter]
    let jsonBody: SchemaNode?

    /// Whether `segments` (a request path split at `/`) fits this operation's template.
    func matches(_ segments: [Substring]) -> Bool {
        segments.count == pathSegments.count
            && zip(pathSegments, segments).allSatisfy { template, actual in template.hasPrefix("{") || template == actual }
    }

    /// How many of the template's segments are literals: the most specific template wins.
    var literalCount: Int { pathSegments.count { !$0.hasPrefix("{") } }

    /// The path parameters' values, by name, from a matching path.
    func pathValues(_ segments: [Substring]) -> [String: String] {
        var values: [String: String] = [:]
        for (template, actual) in zip(pathSegments, segments) where template.hasPrefix("{") {
            values[String(template.dropFirst().dropLast())] = String(actual).removingPercentEncoding ?? String(actual)
        }
        return values
    }
}
