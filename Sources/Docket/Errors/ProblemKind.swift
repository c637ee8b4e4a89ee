import HTTPTypes

/// The stable kinds of problem Docket reports; each has one status, one title and one `type` URI (listed in `openapi.yaml`).
public enum ProblemKind: String, Sendable, CaseIterable {
    case badRequest = "bad-request"
    case unauthorized
    case forbidden
    case notFound = "not-found"
    case methodNotAllowed = "method-not-allowed"
    case notAcceptable = "not-acceptable"
    case conflict
    case preconditionFailed = "precondition-failed"
    case payloadTooLarge = "payload-too-large"
    case unsupportedMediaType = "unsupported-media-type"
    case validationFailed = "validation-failed"
    case gone
    case rateLimited = "rate-limited"
    case internalError = "internal"
    case serviceUnavailable = "service-unavailable"
    case outcomeUnknown = "outcome-unknown"
    case recentSignInRequired = "recent-sign-in-required"

    /// The `type` member of the problem document.
    public var typeURI: String { "urn:docket:problem:\(rawValue)" }

    /// The HTTP status this kind is answered with.
    public var status: HTTPResponse.Status {
        switch self {
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .notAcceptable: .notAcceptable
        case .conflict: .conflict
        case .preconditionFailed: .preconditionFailed
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .validationFailed: .unprocessableContent
        case .gone: .gone
        case .rateLimited: .tooManyRequests
        case .internalError: .internalServerError
        case .serviceUnavailable: .serviceUnavailable
        case .outcomeUnknown: .gatewayTimeout
        case .recentSignInRequired: .forbidden
        }
    }

    /// A short summary that never changes between occurrences.
    public var title: String {
        switch self {
        case .badRequest: "Bad request"
        case .unauthorized: "Unauthorized"
        case .forbidden: "Forbidden"
        case .notFound: "Not found"
        case .methodNotAllowed: "Method not allowed"
        case .notAcceptable: "Not acceptable"
        case .conflict: "Conflict"
        case .preconditionFailed: "Precondition failed"
        case .payloadTooLarge: "Payload too large"
        case .unsupportedMediaType: "Unsupported media type"
        case .validationFailed: "Validation failed"
        case .gone: "Gone"
        case .rateLimited: "Too many requests"
        case .internalError: "Internal server error"
        case .serviceUnavailable: "Service unavailable"
        case .outcomeUnknown: "Outcome unknown"
        case .recentSignInRequired: "Recent sign-in required"
        }
    }

    /// The kind a bare HTTP status stands for, when a framework reports only a status.
    init(status: HTTPResponse.Status) {
        self = Self.allCases.first { $0.status == status } ?? (status.code >= 500 ? .internalError : .badRequest)
    }
}
