package import Foundation

/// The contract this module is generated from, shipped as a resource so the server serves the very same bytes.
package enum OpenAPIDocument {
    /// The bytes of `openapi.yaml`.
    package static func load() throws -> Data {
        try load("openapi")
    }

    /// The bytes of `asyncapi.yaml`, the contract of the events (feed, WebSocket, webhooks).
    package static func loadEvents() throws -> Data {
        try load("asyncapi")
    }

    /// The Swagger UI assets `/docs` loads (`swagger-ui-bundle.js`, `swagger-ui.css`), vendored at a pinned version.
    package static func loadDocsAsset(_ file: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: file, withExtension: nil, subdirectory: "SwaggerUI") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try Data(contentsOf: url)
    }

    private static func load(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: "yaml") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try Data(contentsOf: url)
    }
}
