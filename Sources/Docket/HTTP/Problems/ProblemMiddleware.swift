import Hummingbird
import Logging

/// The one place any error becomes an `application/problem+json` response.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = DocketRequestContext
    let classifier: ErrorClassifier

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let appError = classifier.classify(error, request: request) ?? internalError(error, context: context)
            return ProblemDocument.response(for: appError, instance: request.uri.path, requestID: context.requestID)
        }
    }

    /// Logs the real cause and returns a problem that reveals nothing about it.
    private func internalError(_ error: any Error, context: Context) -> AppError {
        if let unavailable = DatabaseFailure.problem(for: error) {
            context.logger.warning("database unavailable", metadata: ["error": .string(DatabaseFailure.describe(error))])
            return unavailable
        }
        context.logger.error("request failed", metadata: ["error": .string(DatabaseFailure.describe(error))])
        return AppError(.internalError, "An unexpected error occurred; quote the request_id when reporting it.")
    }
}
