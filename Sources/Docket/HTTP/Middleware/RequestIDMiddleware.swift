import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Keeps a well-formed incoming `X-Request-ID` or makes one, tags the logger with it, and echoes it on every response.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let requestID = request.headers[.xRequestID].flatMap(Self.acceptable) ?? generator.next()
        context.requestID = requestID
        context.logger[metadataKey: "request_id"] = .string(requestID)
        if let trace = request.headers[.traceparent].flatMap(Self.traceID) {
            context.logger[metadataKey: "trace_id"] = .string(trace)
        }
        var response = try await next(request, context)
        response.headers[.xRequestID] = requestID
        return response
    }

    /// An incoming ID is kept only when it is 1–128 characters of `A-Z a-z 0-9 - _ . :`.
    static func acceptable(_ candidate: String) -> String? {
        guard (1...128).contains(candidate.utf8.count) else { return nil }
        let allowed = candidate.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || byte == 0x2E || byte == 0x3A
        }
        return allowed ? candidate : nil
    }

    /// The trace id of a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`), when well-formed and not all zeros.
    static func traceID(_ header: String) -> String? {
        let parts = header.split(separator: "-")
        guard parts.count == 4, parts[0].count == 2, parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isHexDigit) }), parts[1].contains(where: { $0 != "0" })
        else { return nil }
        return parts[1].lowercased()
    }

    /// Makes request IDs for this router (shared with the `/health` fast path).
    let generator: RequestIDGenerator
}
