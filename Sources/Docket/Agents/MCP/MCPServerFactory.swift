import Foundation
import Logging
import MCP

/// Makes the SDK server of one MCP session: Docket's identity and instructions, and the tool handlers acting for the
/// caller that opened the session.
struct MCPServerFactory: Sendable {
    let tools: TaskTools
    let resources: TaskResources
    let activity: ToolCallRecorder
    let sessions: MCPSessions
    let logger: Logger

    /// A server for session `sessionID`, acting for `caller`.
    func makeServer(sessionID: String, caller: AuthenticatedUser) async -> Server {
        let server = Server(
            name: "docket", version: DocketVersion.current, title: "Docket",
            instructions: "Docket is the user's task list. List, search, create, update, complete and delete tasks; "
                + "summarize_workload gives an overview; bulk_update_tasks and import_tasks run as background jobs (follow them with get_job).",
            capabilities: .init(
                prompts: .init(listChanged: false), resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))
        let (tools, resources, activity, sessions, logger) = (self.tools, self.resources, self.activity, self.sessions, self.logger)
        await server.withMethodHandler(ListResources.self) { _ in
            ListResources.Result(resources: caller.holds(.tasksRead) ? TaskResources.resources : [])
        }
        await server.withMethodHandler(ListResourceTemplates.self) { _ in
            ListResourceTemplates.Result(templates: caller.holds(.tasksRead) ? TaskResources.templates : [])
        }
        await server.withMethodHandler(ReadResource.self) { params in
            let origin = MCPHeaders.origin(of: Server.currentHandlerContext?.httpContext)
            return try await resources.read(params.uri, caller: caller, origin: origin, logger: logger)
        }
        await server.withMethodHandler(ListPrompts.self) { _ in
            ListPrompts.Result(prompts: caller.holds(.tasksRead) ? TaskResources.prompts : [])
        }
        await server.withMethodHandler(GetPrompt.self) { params in
            try await resources.prompt(params.name, arguments: params.arguments, caller: caller, logger: logger)
        }
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: TaskTools.visible(to: caller))
        }
        await server.withMethodHandler(CallTool.self) { params in
            let origin = MCPHeaders.origin(of: Server.currentHandlerContext?.httpContext)
            var callLogger = logger
            callLogger[metadataKey: "request_id"] = .string(origin.requestID ?? "-")
            let tool = TaskToolCatalog.label(for: params.name)
            callLogger[metadataKey: "mcp_tool"] = .string(tool)
            let started = ContinuousClock.now
            var outcome = await tools.call(params.name, arguments: params.arguments, caller: caller, origin: origin, logger: callLogger)
            if let jobID = outcome.jobID, let token = params._meta?.progressToken, TaskTools.startsJobs(params.name),
                await sessions.beginFollow(sessionID)
            {
                // The client asked for progress (and the session has a follow slot): keep the call open while the job
                // runs and report each step, until the job ends or the session closes.
                defer { Task { await sessions.endFollow(sessionID) } }
                outcome = await tools.follow(jobID, caller: caller, logger: callLogger, isOpen: { await sessions.isOpen(sessionID) }) {
                    [weak server] done, total in
                    do {
                        try await server?.notify(
                            ProgressNotification.message(.init(progressToken: token, progress: Double(done), total: total.map(Double.init))))
                        return server != nil
                    } catch {
                        return false  // the session is gone: stop following (the job runs on)
                    }
                }
            }
            let client = await sessions.client(of: sessionID)
            await activity.record(
                ToolCall(
                    userID: caller.id, credential: caller.credential, clientName: client.name, clientVersion: client.version,
                    sessionID: sessionID, tool: tool, arguments: params.arguments, outcome: outcome, duration: ContinuousClock.now - started,
                    requestID: origin.requestID),
                logger: callLogger)
            return outcome.result
        }
        return server
    }
}

/// Headers Docket's HTTP glue adds to what it hands the SDK, so tool handlers know the request's id and address.
enum MCPHeaders {
    static let requestID = "X-Docket-Request-ID"
    static let clientAddress = "X-Docket-Client-Address"

    /// Where the HTTP request that carried a message came from, for audit rows (nil fields over stdio).
    static func origin(of request: MCP.HTTPRequest?) -> RequestOrigin {
        RequestOrigin(ip: request?.header(clientAddress), userAgent: request?.header("User-Agent"), requestID: request?.header(requestID))
    }
}
