import DocketAPI
import Foundation
import OpenAPIRuntime

extension APIHandler {
    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: .ok, version: DocketVersion.current))))
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        let pending: [String]
        do {
            pending = try await database.pendingMigrations()
        } catch {
            requestLogger.warning("readiness check failed", metadata: ["error": .string(DatabaseFailure.describe(error))])
            throw AppError(.serviceUnavailable, "The database is unreachable.", headers: [.retryAfter: "1"])
        }
        guard pending.isEmpty else {
            throw AppError(.serviceUnavailable, "\(pending.count) migration(s) are not applied; run `docket migrate up`.")
        }
        if let broker {
            // Past the bound the broker has been unreachable for a while: stop taking traffic an operator must look at.
            let backlog = try await OutboxRelay.backlog(database: database, logger: requestLogger)
            guard backlog <= broker.maxBacklog else {
                throw AppError(
                    .serviceUnavailable,
                    "\(backlog) events wait to be published to the broker (more than DOCKET_BROKER_MAX_BACKLOG = \(broker.maxBacklog)); is the broker reachable?",
                    headers: [.retryAfter: "5"])
            }
        }
        let kind: Components.Schemas.Readiness.DatabasePayload = database.location.kind == "postgres" ? .postgres : .sqlite
        return .ok(.init(body: .json(.init(status: .ready, database: kind))))
    }

    func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(documents.openAPI))))
    }

    func getOpenAPIDocumentJSON(_ input: Operations.GetOpenAPIDocumentJSON.Input) async throws -> Operations.GetOpenAPIDocumentJSON.Output {
        .ok(.init(body: .json(try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(documents.openAPIJSON)))))
    }

    func getDocsAsset(_ input: Operations.GetDocsAsset.Input) async throws -> Operations.GetDocsAsset.Output {
        switch input.path.file {
        case .swaggerUiBundle_js: .ok(.init(body: .textJavascript(HTTPBody(documents.swaggerBundle))))
        case .swaggerUi_css: .ok(.init(body: .textCss(HTTPBody(documents.swaggerStyles))))
        }
    }

    func getAsyncAPIDocument(_ input: Operations.GetAsyncAPIDocument.Input) async throws -> Operations.GetAsyncAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(documents.asyncAPI))))
    }

    func getDocs(_ input: Operations.GetDocs.Input) async throws -> Operations.GetDocs.Output {
        .ok(.init(body: .html(HTTPBody(documents.docsPage))))
    }
}
