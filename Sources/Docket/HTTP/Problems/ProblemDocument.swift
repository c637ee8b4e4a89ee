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
    let members: [String: Int64]

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, instance, errors
        case requestID = "request_id"
    }

    private struct MemberKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(title, forKey: .title)
        try container.encode(status, forKey: .status)
        try container.encode(detail, forKey: .detail)
        try container.encode(instance, forKey: .instance)
        try container.encode(requestID, forKey: .requestID)
        try container.encodeIfPresent(errors, forKey: .errors)
        var extra = encoder.container(keyedBy: MemberKey.self)
        for (name, value) in members.sorted(by: { $0.key < $1.key }) { try extra.encode(value, forKey: MemberKey(stringValue: name)) }
    }

    init(error: AppError, instance: String, requestID: String) {
        self.type = error.kind.typeURI
        self.title = error.kind.title
        self.status = Int(error.kind.status.code)
        self.detail = error.detail
        self.instance = instance
        self.requestID = requestID
        self.errors = error.fieldErrors.isEmpty ? nil : error.fieldErrors
        self.members = error.members
    }

    /// The complete response: status, `application/problem+json`, the error's own headers.
    static func response(for error: AppError, instance: String, requestID: String) -> Response {
        let document = ProblemDocument(error: error, instance: instance, requestID: requestID)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(document)) ?? Data(#"{"title":"Internal server error","status":500}"#.utf8)
        var headers = error.headers
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        return Response(status: error.kind.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
