import HTTPTypes
import Hummingbird

/// Undoes the OpenAPI runtime's percent-encoding of the response headers Docket declares (`ETag`, `Location`, `Content-Disposition`):
/// the runtime escapes header values like URI components, which would turn `"3"` into `%223%22`. Also marks event
/// streams as never cached and never buffered by a proxy (`X-Accel-Buffering: no` for nginx).
struct ResponseHeaderMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext
    static let decoded: [HTTPField.Name] = [.eTag, .location, .contentDisposition]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for name in Self.decoded {
            if let value = response.headers[name], value.contains("%"), let plain = value.removingPercentEncoding {
                response.headers[name] = plain
            }
        }
        if response.headers[.contentType]?.hasPrefix("text/event-stream") == true {
            response.headers[.cacheControl] = "no-store"
            response.headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        }
        return response
    }
}
