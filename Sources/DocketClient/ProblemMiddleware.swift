import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Turns every answer of 400 and above into a thrown `DocketProblem`, decoded from its problem details, so the
/// typed layer only ever sees successes.
struct ProblemMiddleware: ClientMiddleware {
    /// Problem bodies are small; anything larger is cut here rather than held in memory.
    private static let maxBodyBytes = 64 * 1024

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, baseURL)
        guard response.status.code >= 400 else { return (response, responseBody) }
        var bytes = Data()
        if let responseBody {
            for try await chunk in responseBody {
                bytes.append(contentsOf: chunk.prefix(Self.maxBodyBytes - bytes.count))
                if bytes.count >= Self.maxBodyBytes { break }
            }
        }
        throw Self.problem(status: response.status.code, headers: response.headerFields, body: bytes)
    }

    /// The problem an answer describes; a body that is not problem JSON still yields one from the status.
    static func problem(status: Int, headers: HTTPFields, body: Data) -> DocketProblem {
        let document = try? JSONDecoder().decode(ProblemDocument.self, from: body)
        return DocketProblem(
            status: status, type: document?.type, title: document?.title, detail: document?.detail,
            fieldErrors: document?.errors ?? [], retryAfter: retryAfter(headers[.retryAfter]),
            requestID: document?.requestID ?? headers[HTTPField.Name("X-Request-ID")!])
    }

    /// `Retry-After` in seconds (Docket never sends the HTTP-date form).
    private static func retryAfter(_ value: String?) -> Duration? {
        guard let value, let seconds = Int(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }

    private struct ProblemDocument: Decodable {
        let type: String?
        let title: String?
        let detail: String?
        let errors: [DocketProblem.FieldError]?
        let requestID: String?

        enum CodingKeys: String, CodingKey {
            case type, title, detail, errors
            case requestID = "request_id"
        }
    }
}

/// Signs each request with the session's access token; when the server refuses it (401), refreshes once, through
/// the session's single refresh, and sends the request again.
struct BearerTokenMiddleware: ClientMiddleware {
    let session: SessionManager

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var signed = request
        let token = try await session.accessToken()
        signed.headerFields[.authorization] = "Bearer \(token)"
        let (response, responseBody) = try await next(signed, body, baseURL)
        guard response.status == .unauthorized, try await session.current()?.refreshToken != nil else {
            return (response, responseBody)
        }
        let fresh = try await session.refresh(replacing: token)
        signed.headerFields[.authorization] = "Bearer \(fresh.accessToken)"
        return try await next(signed, body, baseURL)
    }
}
