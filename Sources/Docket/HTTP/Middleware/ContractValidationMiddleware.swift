import Foundation
import HTTPTypes
import Hummingbird

/// Holds every request to what `openapi.yaml` declares before a handler runs: each path, query and header parameter
/// (a 400 naming the parameter and what it accepts) and the JSON body (a 422 listing every invalid field at once, each
/// with its JSON pointer, and the allowed values of enums). What the contract says is what the server enforces.
struct ContractValidationMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext
    let rules: ContractRules

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let (operation, segments) = rules.operation(method: request.method, path: request.uri.path) else {
            return try await next(request, context)
        }
        try checkParameters(of: operation, segments: segments, request: request)
        if let schema = operation.jsonBody, let body = context.collectedBody, body.readableBytes > 0,
            request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true
        {
            let value: JSONValue
            do {
                value = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))
            } catch {
                throw AppError(.badRequest, "The request body is not valid JSON.")
            }
            var errors: [FieldError] = []
            schema.validate(value, at: "", in: rules.library, into: &errors)
            if !errors.isEmpty { throw AppError.validation(Self.onePerField(errors)) }
        }
        return try await next(request, context)
    }

    private func checkParameters(of operation: ContractOperation, segments: [Substring], request: Request) throws {
        let pathValues = operation.pathValues(segments)
        let query = FormQuery(request.uri.query ?? "")
        var errors: [FieldError] = []
        for parameter in operation.parameters {
            let texts: [String]
            switch parameter.location {
            case .path: texts = pathValues[parameter.name].map { [$0] } ?? []
            case .query: texts = query.values(named: parameter.name)
            case .header: texts = HTTPField.Name(parameter.name).map { request.headers[values: $0] } ?? []
            }
            errors += parameter.problems(with: texts, library: rules.library)
        }
        guard !errors.isEmpty else { return }
        let merged = Self.onePerField(errors)
        throw AppError(.badRequest, merged.map(\.message).joined(separator: "; ") + ".", fieldErrors: merged)
    }

    /// One entry per pointer, in the order found, its messages joined (a password both too short and without a digit).
    static func onePerField(_ errors: [FieldError]) -> [FieldError] {
        var merged: [FieldError] = []
        for error in errors {
            if let index = merged.firstIndex(where: { $0.pointer == error.pointer }) {
                if !merged[index].message.contains(error.message) { merged[index].message += "; " + error.message }
            } else {
                merged.append(error)
            }
        }
        return merged
    }
}
