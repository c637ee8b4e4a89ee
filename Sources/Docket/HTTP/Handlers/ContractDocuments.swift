import DocketAPI
import Foundation

/// The contract's bytes and the HTML page that renders them, loaded once at start-up.
struct ContractDocuments: Sendable {
    let openAPI: [UInt8]
    let asyncAPI: [UInt8]
    let docsPage: [UInt8]

    /// Loads `openapi.yaml` and `asyncapi.yaml` from the API module's resources.
    static func load() throws -> ContractDocuments {
        ContractDocuments(
            openAPI: [UInt8](try OpenAPIDocument.load()), asyncAPI: [UInt8](try OpenAPIDocument.loadEvents()), docsPage: Array(docsHTML.utf8))
    }

    /// The page's only inline script; the Content-Security-Policy of `/docs` allows exactly this by its hash.
    static let inlineScript = ##"window.ui = SwaggerUIBundle({ url: "openapi.yaml", dom_id: "#swagger-ui", deepLinking: true });"##

    /// Swagger UI from a CDN, pointed at the relative URL of the contract (so it works behind any prefix).
    static let docsHTML = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>Docket API</title>
          <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
        </head>
        <body>
          <div id="swagger-ui"></div>
          <script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
          <script>\(inlineScript)</script>
        </body>
        </html>
        """
}
