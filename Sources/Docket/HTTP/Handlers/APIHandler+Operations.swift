import DocketAPI
import OpenAPIRuntime

extension APIHandler {
    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        let pending: [String]
        do {
            pending = try await database.pendingMigrations()
        } catch {
            requestLogger.warning("readiness check failed", metadata: ["error": .string(DatabaseFailure.describe(error))])
            throw AppError(.serviceUnavailable, "The database is unreachable.")
        }
        guard pending.isEmpty else {
            throw AppError(.serviceUnavailable, "\(pending.count) migration(s) are not applied; run `docket migrate up`.")
        }
        let kind: Components.Schemas.Readiness.DatabasePayload = database.location.kind == "postgres" ? .postgres : .sqlite
        return .ok(.init(body: .json(.init(status: .ready, database: kind))))
    }

    func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(documents.openAPI))))
    }

    func getAsyncAPIDocument(_ input: Operations.GetAsyncAPIDocument.Input) async throws -> Operations.GetAsyncAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(documents.asyncAPI))))
    }

    func getDocs(_ input: Operations.GetDocs.Input) async throws -> Operations.GetDocs.Output {
        .ok(.init(body: .html(HTTPBody(documents.docsPage))))
    }
}
