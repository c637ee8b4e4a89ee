import DocketAPI
import Foundation
import Yams

/// The contract documents the server serves (OpenAPI as YAML and JSON, AsyncAPI), the rules read from the OpenAPI
/// document that every request is held to, and the interactive docs page with its vendored assets.
struct ContractDocuments: Sendable {
    let openAPI: [UInt8]
    let openAPIJSON: [UInt8]
    let asyncAPI: [UInt8]
    let docsPage: [UInt8]
    let swaggerBundle: [UInt8]
    let swaggerStyles: [UInt8]
    let rules: ContractRules

    /// Loads `openapi.yaml`, `asyncapi.yaml` and the Swagger UI assets from the API module's resources.
    static func load() throws -> ContractDocuments {
        let openAPI = try OpenAPIDocument.load()
        let text = String(decoding: openAPI, as: UTF8.self)
        let json = try JSONSerialization.data(withJSONObject: try Yams.load(yaml: text) as Any, options: [.sortedKeys, .withoutEscapingSlashes])
        return ContractDocuments(
            openAPI: [UInt8](openAPI), openAPIJSON: [UInt8](json), asyncAPI: [UInt8](try OpenAPIDocument.loadEvents()),
            docsPage: Array(docsHTML.utf8), swaggerBundle: [UInt8](try OpenAPIDocument.loadDocsAsset("swagger-ui-bundle.js")),
            swaggerStyles: [UInt8](try OpenAPIDocument.loadDocsAsset("swagger-ui.css")), rules: try ContractRules(yaml: text))
    }

    /// The page's only inline script; the Content-Security-Policy of `/docs` allows exactly this by its hash.
    static let inlineScript = ##"window.ui = SwaggerUIBundle({ url: "openapi.yaml", dom_id: "#swagger-ui", deepLinking: true });"##

    /// Swagger UI from this server (pinned, works offline), pointed at the relative URL of the contract (so it works
    /// behind any prefix).
    static let docsHTML = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>Docket API</title>
          <link rel="stylesheet" href="docs/assets/swagger-ui.css">
        </head>
        <body>
          <div id="swagger-ui"></div>
          <script src="docs/assets/swagger-ui-bundle.js"></script>
          <script>\(inlineScript)</script>
        </body>
        </html>
        """
}
