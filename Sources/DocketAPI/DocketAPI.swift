package import Foundation

/// The contract this module is generated from, shipped as a resource so the server serves the very same bytes.
package enum OpenAPIDocument {
    /// The bytes of `openapi.yaml`.
    package static func load() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try Data(contentsOf: url)
    }
}
