import Foundation
import Logging
import MCP
import ServiceLifecycle

/// `docket mcp`: the same MCP tools, resources and prompts as `/mcp`, over standard input and output for a local agent
/// (the way desktop MCP clients start servers), acting as one account against the configured database. It runs only
/// that account's own task jobs (bulk updates, imports; a server sharing the database runs them too, and everything
/// else: emails, webhook deliveries, sagas) and never changes the schema: a database migrated by an older or newer
/// Docket is refused, naming the command that fixes it.
public struct StdioMCPServer: Sendable {
    let config: DocketConfig
    let database: DocketDatabase
    let logger: Logger

    /// A server for `config`'s database; `logger` must not write to standard output (it carries the protocol).
    public init(config: DocketConfig, database: DocketDatabase, logger: Logger) {
        self.config = config
        self.database = database
        self.logger = logger
    }

    /// Serves the account with `email` until standard input closes; `readOnly` limits it to what `tasks:read` allows.
    public func run(email: String, readOnly: Bool) async throws {
        try await checkSchema()
        guard let user = try await UserStore(database: database).find(email: EmailAddress(email), logger: logger), user.isActive else {
            throw AdminTaskError("no active account with email \(EmailAddress(email))")
        }
        let caller = AuthenticatedUser(
            id: user.id!, role: user.userRole,
            credential: readOnly ? .personalAccessToken(id: UUID(), scopes: [.tasksRead, .profileRead]) : .session(id: UUID()))
        let metrics = DocketMetrics()
        let keyFile = try SigningKeyFile.loadOrCreate(config: config, logger: logger)
        let store = TaskStore(database: database, metrics: metrics)
        let signal = WakeSignal()
        let events = EventComponents(config: config, database: database, jobSignal: signal)
        let tasks = TaskService(
            store: store, idempotency: IdempotencyStore(), cursors: TaskCursor(secret: keyFile.cursorSecret), audit: AuditLog(database: database),
            database: database, outbox: events.outbox, quota: TaskQuota(maxTasks: config.auth.maxTasksPerUser))
        let gate = StartGate()
        gate.open()
        let jobs = JobQueue(store: JobStore(database: database), signal: signal, maxAttempts: config.jobs.maxAttempts)
        let sessions = MCPSessions(idleSeconds: 86_400, maxSessions: 1)
        let factory = MCPServerFactory(
            tools: TaskTools(
                tasks: tasks, store: store, jobs: jobs,
                rateLimiter: RateLimiter(
                    database: database, enabled: config.auth.rateLimitEnabled, metrics: metrics, audit: AuditLog(database: database)),
                authSettings: config.auth),
            resources: TaskResources(tasks: tasks, store: store),
            activity: ToolCallRecorder(database: database, metrics: metrics), sessions: sessions, logger: logger)
        let server = await factory.makeServer(sessionID: "stdio", caller: caller)
        // Registered so progress-following calls have their slots; it lives as long as the process.
        await sessions.add(
            MCPSession(
                id: "stdio", server: server, transport: nil, userID: caller.id, credentialKey: MCPSession.credentialKey(of: caller),
                lastUsed: Date(), watch: .never))
        let workers = ownJobWorkers(of: user.id!, store: store, events: events, signal: signal, gate: gate, metrics: metrics)
        try await withThrowingTaskGroup(of: Void.self) { group in
            let workerGroup = ServiceGroup(services: workers, logger: logger)
            if !workers.isEmpty { group.addTask { try await workerGroup.run() } }
            try await server.start(transport: StdioTransport(logger: logger))
            await server.waitUntilCompleted()
            await workerGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
