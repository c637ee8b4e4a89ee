import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Hardening headers on every response; a Content-Security-Policy that lets `/docs` load its own assets (served from
/// the binary, so the page works offline) and its one inline script (by hash) and nothing else; HSTS when the request
/// arrived over HTTPS.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext
    let docsPolicy: String
    static let apiPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"

    init(docsInlineScript: String) {
        let hash = Data(SHA256.hash(data: Data(docsInlineScript.utf8))).base64EncodedString()
        docsPolicy =
            "default-src 'none'; script-src 'self' 'sha256-\(hash)'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.contentSecurityPolicy] = request.uri.path == "/docs" ? docsPolicy : Self.apiPolicy
        if context.isHTTPS {
            response.headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains"
        }
        return response
    }
}
