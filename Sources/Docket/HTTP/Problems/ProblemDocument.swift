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

    /// The complete response: status, `application/problem+json`, the error's own headers. The body is written by
    /// `JSONBufferWriter` (problems are answered often, under attack most of all); `FastJSONTests` holds it equal to
    /// this type's `Encodable` form.
    static func response(for error: AppError, instance: String, requestID: String) -> Response {
        let body = ProblemDocument(error: error, instance: instance, requestID: requestID).json()
        var headers = error.headers
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        return Response(status: error.kind.status, headers: headers, body: .init(byteBuffer: body))
    }

    /// The JSON object, keys in sorted order like every other answer: the RFC 9457 members, `request_id`, `errors`
    /// when there are any, and the extension members.
    func json() -> ByteBuffer {
        enum Value {
            case text(String)
            case number(Int64)
            case fieldErrors([FieldError])
        }
        var entries: [(key: String, value: Value)] = [
            ("type", .text(type)), ("title", .text(title)), ("status", .number(Int64(status))), ("detail", .text(detail)),
            ("instance", .text(instance)), ("request_id", .text(requestID)),
        ]
        if let errors { entries.append(("errors", .fieldErrors(errors))) }
        for (name, value) in members { entries.append((name, .number(value))) }
        entries.sort { $0.key < $1.key }
        var writer = JSONBufferWriter(capacity: 256)
        writer.object { writer in
            for (key, value) in entries {
                switch value {
                case .text(let text): writer.member(dynamic: key, text)
                case .number(let number): writer.member(dynamic: key, number)
                case .fieldErrors(let errors):
                    writer.array("errors") { writer in
                        for error in errors {
                            writer.object { writer in
                                writer.member("message", error.message)
                                writer.member("pointer", error.pointer)
                            }
                        }
                    }
                }
            }
        }
        return writer.buffer
    }
}
