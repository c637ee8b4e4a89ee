import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime

/// Turns anything thrown while serving a request into the `AppError` the client sees.
struct ErrorClassifier: Sendable {
    let routes: RouteTable
    let maxBodyBytes: Int

    /// The client-facing error, or nil when the failure is ours (a 500 whose cause must be logged, not sent).
    func classify(_ error: any Error, request: Request) -> AppError? {
        switch error {
        case let error as AppError:
            return error
        case let error as ServerError:
            return classifyServerError(error, request: request)
        case let error as DecodingError:
            return Self.classifyDecoding(error)
        case let error as HTTPError:
            return classifyHTTPError(error, request: request)
        case let error as any HTTPResponseError where error.status.code < 500:
            return AppError(ProblemKind(status: error.status), error.status.reasonPhrase)
        default:
            return nil
        }
    }

    private func classifyServerError(_ error: ServerError, request: Request) -> AppError? {
        if error.underlyingError is DecodingError, [.get, .head, .delete].contains(request.method) {
            // Bodiless requests can only fail to decode a parameter.
            return AppError(.badRequest, "A query, path or header parameter has an invalid value.")
        }
        if let inner = classify(error.underlyingError, request: request) { return inner }
        switch error.httpStatus.code {
        case 415:
            let received = request.headers[.contentType] ?? "none"
            return AppError(.unsupportedMediaType, "Content-Type \(received) is not accepted here; send application/json.")
        case 400..<500:
            return AppError(ProblemKind(status: error.httpStatus), error.causeDescription)
        default:
            return nil
        }
    }

    private func classifyHTTPError(_ error: HTTPError, request: Request) -> AppError {
        switch error.status {
        case .notFound:
            let allowed = routes.allowedMethods(forPath: request.uri.path)
            guard !allowed.isEmpty else {
                return .notFound("No route matches \(request.uri.path).")
            }
            let allowList = allowed.map(\.rawValue).joined(separator: ", ")
            return AppError(
                .methodNotAllowed,
                "\(request.method.rawValue) is not allowed on \(request.uri.path); allowed: \(allowList).",
                headers: [.allow: allowList]
            )
        case .contentTooLarge:
            return AppError(.payloadTooLarge, "The request body is larger than \(maxBodyBytes) bytes.")
        default:
            return AppError(ProblemKind(status: error.status), error.body ?? error.status.reasonPhrase)
        }
    }

    /// Malformed JSON is a 400; JSON of the wrong shape is a 422 pointing at the field.
    static func classifyDecoding(_ error: DecodingError) -> AppError {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return AppError(.badRequest, "The request body is not valid JSON.")
        case .dataCorrupted(let context):
            return .validation([FieldError(pointer: pointer(context.codingPath), message: "has an invalid value")])
        case .keyNotFound(let key, let context):
            return .validation([FieldError(pointer: pointer(context.codingPath + [key]), message: "is required")])
        case .valueNotFound(_, let context):
            return .validation([FieldError(pointer: pointer(context.codingPath), message: "must not be null")])
        case .typeMismatch(let type, let context):
            return .validation([FieldError(pointer: pointer(context.codingPath), message: "must be \(jsonTypeName(type))")])
        @unknown default:
            return AppError(.badRequest, "The request body could not be read.")
        }
    }

    /// An RFC 6901 pointer for a decoding path.
    static func pointer(_ path: [any CodingKey]) -> String {
        path.map { key in
            let token = key.intValue.map(String.init) ?? key.stringValue
            return "/" + token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
        }.joined()
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int32.Type, is Int64.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}
