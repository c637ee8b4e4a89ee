import Foundation
import Logging
import MCP

/// Runs the tools of `TaskToolCatalog` for one caller through the same services as the REST API. Domain errors come
/// back as tool errors (`isError`) carrying the problem, never as protocol failures.
struct TaskTools: Sendable {
    let tasks: TaskService
    let store: TaskStore
    let jobs: JobQueue
    /// Charges a write tool to the account's write budget, the one REST's writes draw from.
    let rateLimiter: RateLimiter
    let authSettings: AuthSettings

    /// What one call did, for the caller and for the activity log.
    struct Outcome: Sendable {
        let result: CallTool.Result
        /// `ok`, `tool_error` or `denied`.
        let status: String
        /// The problem's type when the call failed.
        let errorType: String?
        /// The job a call started or looked at.
        let jobID: UUID?
    }

    /// The tools `caller` may call (a personal access token sees only those its scopes allow).
    static func visible(to caller: AuthenticatedUser) -> [Tool] {
        TaskToolCatalog.all.filter { caller.holds($0.scope) }.map(\.tool)
    }

    /// Calls tool `name` with `arguments` as `caller`.
    func call(_ name: String, arguments: [String: Value]?, caller: AuthenticatedUser, origin: RequestOrigin, logger: Logger) async -> Outcome {
        guard let entry = TaskToolCatalog.entry(named: name) else {
            return Self.failure(AppError.notFound("There is no tool named \(name.prefix(100))."), status: "tool_error")
        }
        guard caller.holds(entry.scope) else { return Self.failure(AppError.insufficientScope(entry.scope), status: "denied") }
        var args = ToolArguments(arguments, allowed: entry.arguments)
        do {
            if entry.scope == .tasksWrite {
                try await rateLimiter.consume(
                    [RateLimiter.writeBucket(userID: caller.id, settings: authSettings)], origin: origin, logger: logger)
            }
            return try await run(name, &args, caller: caller, origin: origin, logger: logger)
        } catch let error as AppError {
            return Self.failure(error, status: "tool_error")
        } catch {
            logger.error("tool failed", metadata: ["tool": .string(name), "error": .string(DatabaseFailure.describe(error))])
            let problem = DatabaseFailure.problem(for: error) ?? AppError(.internalError, "The tool failed unexpectedly; try again.")
            return Self.failure(problem, status: "tool_error")
        }
    }

    private func run(_ name: String, _ args: inout ToolArguments, caller: AuthenticatedUser, origin: RequestOrigin, logger: Logger) async throws
        -> Outcome
    {
        let owner = caller.id
        let source = ChangeSource.caller(caller, requestID: origin.requestID).viaTool(name)
        switch name {
        case "list_tasks", "search_tasks":
            var query = TaskListQuery(owner: owner)
            query.statuses = args.choices("status")
            query.priorities = args.choices("priority")
            var errors: [FieldError] = []
            query.dueBefore = TaskRules.dueDate(args.string("due_before"), pointer: "/due_before", into: &errors)
            query.dueAfter = TaskRules.dueDate(args.string("due_after"), pointer: "/due_after", into: &errors)
            query.text = name == "search_tasks" ? args.string("query", required: true) : args.string("q")
            if let text = query.text, text.isEmpty || text.unicodeScalars.count > 200 || text.unicodeScalars.contains(where: { $0.value == 0 }) {
                errors.append(FieldError(pointer: name == "search_tasks" ? "/query" : "/q", message: "must be 1 to 200 characters without NUL"))
            }
            query.sort = args.choice("sort", as: TaskListQuery.Sort.self) ?? .createdAt
            query.descending = args.string("order") != "asc"
            query.limit = args.integer("limit", in: 1...100) ?? 20
            let cursor = args.string("cursor")
            try args.check()
            try CredentialRules.check(errors)
            let page = try await tasks.list(query, cursor: cursor, logger: logger)
            let views = page.items.map(TaskView.init)
            let summary = views.isEmpty ? "No tasks match." : "\(views.count) task(s):\n" + views.map(\.line).joined(separator: "\n")
            return try Self.success(
                ListPage(items: views, nextCursor: page.nextCursor), text: summary + (page.nextCursor == nil ? "" : "\n(more: pass next_cursor)"))
        case "get_task":
            let id = args.uuid("id")
            try args.check()
            let task = TaskView(try await tasks.get(id!, owner: owner, origin: origin, logger: logger))
            return try Self.success(task, text: task.line)
        case "summarize_workload":
            try args.check()
            let today = Date().formatted(.iso8601.year().month().day())
            let workload = try await store.workload(
                owner: owner, today: today, weekEnd: CalendarDate.shift(today, byDays: 6) ?? today, logger: logger)
            let statuses = workload.byStatus.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            return try Self.success(
                workload,
                text: "\(workload.total) task(s)\(statuses.isEmpty ? "" : ": \(statuses)"); \(workload.overdue) overdue; "
                    + "\(workload.dueThisWeek) due in the next 7 days.")
        case "create_task":
            let new = NewTask(
                title: args.string("title", required: true) ?? "", description: args.string("description"), status: args.choice("status"),
                priority: args.choice("priority"), dueDate: args.string("due_date"))
            try args.check()
            let task = TaskView(try await tasks.create(new, requestHash: nil, idempotencyKey: nil, owner: owner, source: source, logger: logger))
            return try Self.success(task, text: "Created \(task.line)")
        case "update_task", "complete_task":
            let id = args.uuid("id")
            var changes = TaskChanges()
            if name == "complete_task" {
                changes.status = .set(.done)
            } else {
                changes.title = args.change("title")
                changes.description = args.change("description")
                changes.dueDate = args.change("due_date")
                changes.status = args.choice("status", as: TaskStatus.self).map { .set($0) } ?? (args.has("status") ? .clear : .keep)
                changes.priority = args.choice("priority", as: TaskPriority.self).map { .set($0) } ?? (args.has("priority") ? .clear : .keep)
            }
            let version = args.integer("expected_version", in: 1...Int.max)
            try args.check()
            let task = TaskView(
                try await tasks.patch(
                    id!, owner: owner, changes: changes, precondition: version.map { .oneOf([$0]) }, source: source, origin: origin,
                    logger: logger))
            return try Self.success(task, text: (name == "complete_task" ? "Completed " : "Updated ") + task.line)
        case "delete_task":
            let id = args.uuid("id")
            try args.check()
            try await tasks.delete(id!, owner: owner, precondition: nil, source: source, origin: origin, logger: logger)
            return try Self.success(["deleted": id!.uuidString.lowercased()], text: "Deleted task \(id!.uuidString.lowercased()).")
        case "bulk_update_tasks":
            var filter = args.object("filter", allowed: ["status", "priority", "due_before", "due_after", "q"])
            let update = BulkTaskUpdate(
                statuses: filter.choices("status"), priorities: filter.choices("priority"), dueBefore: filter.string("due_before"),
                dueAfter: filter.string("due_after"), text: filter.string("q"), setStatus: args.choice("set_status"),
                setPriority: args.choice("set_priority"), shiftDueDays: args.integer("shift_due_days", in: -3660...3660))
            args.absorb(filter, under: "filter")
            try args.check()
            try update.validate()
            return try Self.started(
                try await jobs.enqueueTaskJob(
                    kind: BulkUpdateTasksJob.kind, payload: update, owner: owner, maxPending: authSettings.maxPendingJobsPerUser, logger: logger))
        case "import_tasks":
            let plan = try TaskImport(toolArguments: &args)
            // Refused at once when the plan cannot fit, like REST; the job checks each row again as it inserts.
            try await tasks.quota.check(owner: owner, adding: plan.rows.count, on: tasks.database.sql(logger: logger))
            return try Self.started(
                try await jobs.enqueueTaskJob(
                    kind: ImportTasksJob.kind, payload: plan, owner: owner, maxPending: authSettings.maxPendingJobsPerUser, logger: logger))
        case "get_job", "cancel_job":
            let id = args.uuid("id")
            try args.check()
            let job =
                name == "get_job"
                ? try await jobs.job(id!, owner: owner, kinds: caller.readableJobKinds, logger: logger)
                : try await jobs.cancel(id!, owner: owner, kinds: caller.readableJobKinds, logger: logger)
            let view = JobView(job)
            let progress = "\(view.progressDone)" + (view.progressTotal.map { "/\($0)" } ?? "")
            return try Self.success(view, text: "Job \(view.id) (\(view.kind)) is \(view.state); progress \(progress).", jobID: job.id)
        default:
            throw AppError.notFound("There is no tool named \(name).")
        }
    }

    /// One page of a listing as a tool returns it.
    private struct ListPage: Codable {
        let items: [TaskView]
        let nextCursor: String?

        enum CodingKeys: String, CodingKey {
            case items
            case nextCursor = "next_cursor"
        }
    }

    static func success(_ value: some Codable, text: String, jobID: UUID? = nil) throws -> Outcome {
        Outcome(result: try CallTool.Result(content: [.text(text)], structuredContent: value), status: "ok", errorType: nil, jobID: jobID)
    }

    private static func started(_ job: JobRecord) throws -> Outcome {
        try success(JobView(job), text: "Started job \(job.id.uuidString.lowercased()) (\(job.kind)); follow it with get_job.", jobID: job.id)
    }

    /// A tool error carrying the problem (its type, title, detail and field errors) as text and structured content.
    static func failure(_ error: AppError, status: String) -> Outcome {
        let fields = error.fieldErrors.map { "\($0.pointer.isEmpty ? "(arguments)" : $0.pointer) \($0.message)" }
        let text = "\(error.kind.title): \(error.detail)" + (fields.isEmpty ? "" : " " + fields.joined(separator: "; "))
        let problem: Value = [
            "type": .string(error.kind.typeURI), "title": .string(error.kind.title), "status": .int(Int(error.kind.status.code)),
            "detail": .string(error.detail),
            "errors": .array(error.fieldErrors.map { ["pointer": .string($0.pointer), "message": .string($0.message)] }),
        ]
        return Outcome(
            result: (try? CallTool.Result(content: [.text(text)], structuredContent: problem, isError: true))
                ?? CallTool.Result(content: [.text(text)], isError: true), status: status,
            errorType: error.kind.rawValue, jobID: nil)
    }
}
