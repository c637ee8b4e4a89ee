import HTTPTypes

/// The one error type handlers, repositories and middleware throw for anything a client should see.
public struct AppError: Error, Sendable {
    /// What kind of problem this is.
    public var kind: ProblemKind
    /// A human-readable explanation of this occurrence.
    public var detail: String
    /// Per-field failures, for validation problems.
    public var fieldErrors: [FieldError]
    /// Extra response headers (`Allow`, `Retry-After`, `WWW-Authenticate`, …).
    public var headers: HTTPFields
    /// Extra integer members of the problem document (e.g. `last_seq` of a feed that cannot resume).
    public var members: [String: Int64] = [:]

    /// Makes an error of `kind` with a detail for the client.
    public init(_ kind: ProblemKind, _ detail: String, fieldErrors: [FieldError] = [], headers: HTTPFields = [:]) {
        self.kind = kind
        self.detail = detail
        self.fieldErrors = fieldErrors
        self.headers = headers
    }

    /// A 422 listing each invalid field.
    public static func validation(_ errors: [FieldError]) -> AppError {
        let detail = errors.count == 1 ? "One field is invalid." : "\(errors.count) fields are invalid."
        return AppError(.validationFailed, detail, fieldErrors: errors)
    }

    /// A 404 for a resource that does not exist.
    public static func notFound(_ detail: String) -> AppError { AppError(.notFound, detail) }
}
