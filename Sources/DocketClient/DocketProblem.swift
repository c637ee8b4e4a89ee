import Foundation
import HTTPTypes

/// An RFC 9457 problem the server answered with: what went wrong, why, and when to retry.
public struct DocketProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of problem a caller usually branches on, from the HTTP status.
    public enum Kind: Sendable, Equatable {
        case badRequest, unauthorized, forbidden, notFound, conflict, gone, preconditionFailed, payloadTooLarge
        case unsupportedMediaType, validationFailed, rateLimited, serviceUnavailable, serverError, other
        /// A write the server sent to its database but could not confirm (504): it may or may not be stored.
        case outcomeUnknown
    }

    /// One invalid field of a request: a JSON pointer into the body (or `#/query/name`) and what is wrong with it.
    public struct FieldError: Sendable, Equatable, Codable {
        /// The RFC 6901 pointer to the field.
        public let pointer: String
        /// What is wrong with it.
        public let message: String
    }

    /// The HTTP status code.
    public let status: Int
    /// The stable problem URI, e.g. `urn:docket:problem:validation-failed`.
    public let type: String
    /// A short summary of the kind of problem.
    public let title: String
    /// This occurrence, explained.
    public let detail: String?
    /// For a 422 (and a 400 about a parameter): every invalid field.
    public let fieldErrors: [FieldError]
    /// For a 429 or 503: how long to wait before retrying, from `Retry-After`.
    public let retryAfter: Duration?
    /// The request's identifier, to quote when reporting the problem.
    public let requestID: String?

    /// Builds a problem; `type` and `title` fall back to what the status means when the body carried none.
    public init(
        status: Int, type: String? = nil, title: String? = nil, detail: String? = nil, fieldErrors: [FieldError] = [],
        retryAfter: Duration? = nil, requestID: String? = nil
    ) {
        self.status = status
        self.type = type ?? "about:blank"
        let reason = HTTPResponse.Status(code: status).reasonPhrase
        self.title = title ?? (reason.isEmpty ? "HTTP \(status)" : reason)
        self.detail = detail
        self.fieldErrors = fieldErrors
        self.retryAfter = retryAfter
        self.requestID = requestID
    }

    /// What kind of problem this is.
    public var kind: Kind {
        switch status {
        case 400: .badRequest
        case 401: .unauthorized
        case 403: .forbidden
        case 404: .notFound
        case 409: .conflict
        case 410: .gone
        case 412: .preconditionFailed
        case 413: .payloadTooLarge
        case 415: .unsupportedMediaType
        case 422: .validationFailed
        case 429: .rateLimited
        case 503: .serviceUnavailable
        case 504: .outcomeUnknown
        case 500...599: .serverError
        default: .other
        }
    }

    /// One line a person can act on: the detail (or title), then the invalid fields, then when to retry.
    public var description: String {
        var line = detail ?? title
        if line.hasSuffix(".") { line.removeLast() }
        let unexplained = fieldErrors.filter { !line.contains($0.message) }
        if !unexplained.isEmpty {
            line += " (" + unexplained.map { "\($0.pointer): \($0.message)" }.joined(separator: "; ") + ")"
        }
        if let retryAfter {
            line += " — try again in \(retryAfter.components.seconds) s"
        }
        return line
    }
}

/// Failures of the client itself (as opposed to problems the server answered with).
public enum DocketClientError: Error, Sendable, CustomStringConvertible {
    /// There is no session any more: never signed in, signed out, or the refresh token was rejected (expired,
    /// revoked, or reused after rotation); sign in again.
    case signedOut(reason: String)
    /// The server could not be reached, or the connection broke before an answer arrived.
    case transport(underlying: any Error)
    /// The server answered with something the contract does not describe.
    case unexpectedResponse(status: Int, detail: String)

    public var description: String {
        switch self {
        case .signedOut(let reason): "signed out: \(reason)"
        case .transport(let underlying): "could not reach the server: \(underlying)"
        case .unexpectedResponse(let status, let detail): "unexpected response (HTTP \(status)): \(detail)"
        }
    }
}
