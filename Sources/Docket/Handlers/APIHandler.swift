import DocketAPI
import Foundation
import Logging

/// The one type implementing the generated `APIProtocol`; holds dependencies, one extension per resource holds the logic.
struct APIHandler: APIProtocol {
    let database: DocketDatabase
    let documents: ContractDocuments
    let logger: Logger

    /// The current request's context, published by `RequestScopeMiddleware`.
    var context: DocketRequestContext {
        get throws {
            guard let context = RequestScope.context else {
                throw AppError(.internalError, "No request context.")
            }
            return context
        }
    }

    /// The current request's logger, falling back to the application logger outside a request.
    var requestLogger: Logger { RequestScope.context?.logger ?? logger }
}
