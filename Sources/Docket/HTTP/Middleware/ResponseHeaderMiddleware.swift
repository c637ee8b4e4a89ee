import HTTPTypes
import Hummingbird

/// Undoes the OpenAPI runtime's percent-encoding of the response headers Docket declares (`ETag`, `Location`):
/// the runtime escapes header values like URI components, which would turn `"3"` into `%223%22`.
struct ResponseHeaderMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext
    static let decoded: [HTTPField.Name] = [.eTag, .location]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for name in Self.decoded {
            if let value = response.headers[name], value.contains("%"), let plain = value.removingPercentEncoding {
                response.headers[name] = plain
            }
        }
        return response
    }
}
