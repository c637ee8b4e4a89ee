import DocketAPI
import Foundation
import Hummingbird
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime

/// Builds the whole application from its configuration; the only place that knows every concrete type.
public func buildApplication(config: DocketConfig, logger: Logger) async throws -> some ApplicationProtocol {
    let database = try DocketDatabase(location: config.database, poolSize: config.databasePoolSize, logger: logger)
    return try buildApplication(config: config, database: database, logger: logger)
}

/// Builds the application around an already opened database (tests keep a handle to inspect what is stored).
func buildApplication(config: DocketConfig, database: DocketDatabase, logger: Logger) throws -> some ApplicationProtocol {
    let router = try buildRouter(config: config, database: database, logger: logger)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil),
        services: [database],
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? config.port
            logger.notice(
                "Docket is listening",
                metadata: [
                    "url": .string("http://\(config.host):\(port)"),
                    "docs": .string("http://\(config.host):\(port)/docs"),
                    "database": .string(config.database.redacted),
                ]
            )
        },
        logger: logger
    )
    app.beforeServerStarts {
        if config.autoMigrate {
            try await database.migrateUp()
        } else {
            try await database.configureConnections()
        }
    }
    return app
}

/// Builds the router: middleware in order, then every operation of the contract.
func buildRouter(config: DocketConfig, database: DocketDatabase, logger: Logger) throws -> Router<DocketRequestContext> {
    let handler = APIHandler(database: database, documents: try ContractDocuments.load(), logger: logger)
    let recorder = RouteRecorder()
    try handler.registerHandlers(on: recorder)
    let classifier = ErrorClassifier(routes: RouteTable(recorder.routes), maxBodyBytes: config.maxBodyBytes)

    let router = Router(context: DocketRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: AccessLogMiddleware(level: .info))
    router.add(middleware: ProblemMiddleware(classifier: classifier))
    router.add(middleware: BodyLimitMiddleware(maxBytes: config.maxBodyBytes))
    router.add(middleware: RequestScopeMiddleware())
    try handler.registerHandlers(on: router, configuration: Configuration(jsonEncodingOptions: []))
    return router
}
