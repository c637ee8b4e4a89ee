import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Sending JSON and reading JSON or problem bodies, so tests read as scenarios.
extension TestClientProtocol {
    /// Sends a request with an optional JSON-encodable body and headers.
    func send(
        _ method: HTTPRequest.Method,
        _ uri: String,
        json: (any Encodable)? = nil,
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = headers
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(data: try JSONEncoder().encode(json))
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        }
        return try await executeRequest(uri: uri, method: method, headers: headers, body: body)
    }

    /// Sends raw bytes with the given content type.
    func sendRaw(
        _ method: HTTPRequest.Method,
        _ uri: String,
        body: String,
        contentType: String? = "application/json",
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = headers
        if let contentType { headers[.contentType] = contentType }
        return try await executeRequest(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body))
    }
}

extension TestResponse {
    /// Decodes the body as `T`.
    func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(buffer: body))
    }

    /// The body as a string.
    var text: String { String(buffer: body) }

    /// Asserts this is a problem document of `status` and `kind`, returning it for further checks.
    @discardableResult
    func expectProblem(_ status: HTTPResponse.Status, _ type: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ProblemBody {
        #expect(self.status == status, "status", sourceLocation: sourceLocation)
        #expect(headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
        let problem = try decode(ProblemBody.self)
        #expect(problem.type == "urn:docket:problem:\(type)", sourceLocation: sourceLocation)
        #expect(problem.status == Int(status.code), sourceLocation: sourceLocation)
        #expect(!problem.title.isEmpty, sourceLocation: sourceLocation)
        #expect(problem.requestID == headers[HTTPField.Name("X-Request-ID")!], sourceLocation: sourceLocation)
        return problem
    }
}

/// The client's picture of an RFC 9457 problem document.
struct ProblemBody: Decodable {
    let type: String
    let title: String
    let status: Int
    let detail: String?
    let instance: String?
    let requestID: String
    let errors: [FieldErrorBody]?

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, instance, errors
        case requestID = "request_id"
    }

    /// The pointers of every field error.
    var pointers: [String] { (errors ?? []).map(\.pointer).sorted() }
}

/// One `errors[]` entry.
struct FieldErrorBody: Decodable {
    let pointer: String
    let message: String
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-ID")!
}
