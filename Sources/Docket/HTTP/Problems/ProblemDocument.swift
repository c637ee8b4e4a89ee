import Foundation
import HTTPTypes
import Hummingbird

/// The RFC 9457 body every error response carries.
struct ProblemDocument: Encodable {
    let type: String
    let title: String
    let status: Int
    let detail: String
    let instance: String
    let requestID: String
    let errors: [FieldError]?

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, instance, errors
        case requestID = "request_id"
    }

    init(error: AppError, instance: String, requestID: String) {
        self.type = error.kind.typeURI
        self.title = error.kind.title
        self.status = Int(error.kind.status.code)
        self.detail = error.detail
        self.instance = instance
        self.requestID = requestID
        self.errors = error.kind == .validationFailed ? error.fieldErrors : nil
    }

    /// The complete response: status, `application/problem+json`, the error's own headers.
    static func response(for error: AppError, instance: String, requestID: String) -> Response {
        let document = ProblemDocument(error: error, instance: instance, requestID: requestID)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let body = (try? encoder.encode(document)) ?? Data(#"{"title":"Internal server error","status":500}"#.utf8)
        var headers = error.headers
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        return Response(status: error.kind.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
