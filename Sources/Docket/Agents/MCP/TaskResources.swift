import Foundation
import Logging
import MCP

/// The caller's tasks as MCP resources (`docket://tasks/open`, and any task through the template
/// `docket://tasks/{id}`), and the `daily_review` prompt built from them. Each needs `tasks:read`.
struct TaskResources: Sendable {
    let tasks: TaskService
    let store: TaskStore

    static let openTasksURI = "docket://tasks/open"
    static let taskTemplate = "docket://tasks/{id}"

    static let resources = [
        Resource(
            name: "open-tasks", uri: openTasksURI, title: "Open tasks",
            description: "The user's tasks that are not done (up to 100), soonest due first, as JSON.", mimeType: "application/json")
    ]
    static let templates = [
        Resource.Template(
            uriTemplate: taskTemplate, name: "task", title: "A task", description: "One of the user's tasks by id, as JSON.",
            mimeType: "application/json")
    ]
    static let prompts = [
        Prompt(
            name: "daily_review", title: "Daily review",
            description: "Review the user's task list for today: what is overdue, due soon and worth doing first.",
            arguments: [.init(name: "focus", description: "Something to favour, e.g. a project or a kind of work.", required: false)])
    ]

    /// The contents of `uri` for `caller`.
    func read(_ uri: String, caller: AuthenticatedUser, origin: RequestOrigin, logger: Logger) async throws -> ReadResource.Result {
        guard caller.holds(.tasksRead) else { throw MCPError.invalidRequest("Reading tasks needs the scope tasks:read.") }
        let json: Data
        if uri == Self.openTasksURI {
            json = try Self.encoder.encode(try await openTasks(owner: caller.id, logger: logger))
        } else if uri.hasPrefix("docket://tasks/"), let id = UUID(uuidString: String(uri.dropFirst("docket://tasks/".count))) {
            do {
                json = try Self.encoder.encode(TaskView(try await tasks.get(id, owner: caller.id, origin: origin, logger: logger)))
            } catch let error as AppError {
                throw MCPError.invalidParams("\(error.kind.title): \(error.detail)")
            }
        } else {
            throw MCPError.invalidParams("No resource \(uri); try \(Self.openTasksURI) or \(Self.taskTemplate).")
        }
        return ReadResource.Result(contents: [.text(String(decoding: json, as: UTF8.self), uri: uri, mimeType: "application/json")])
    }

    /// The `daily_review` prompt for `caller`.
    func prompt(_ name: String, arguments: [String: String]?, caller: AuthenticatedUser, logger: Logger) async throws -> GetPrompt.Result {
        guard name == "daily_review" else { throw MCPError.invalidParams("No prompt named \(name).") }
        guard caller.holds(.tasksRead) else { throw MCPError.invalidRequest("The daily review needs the scope tasks:read.") }
        let today = Date().formatted(.iso8601.year().month().day())
        let workload = try await store.workload(
            owner: caller.id, today: today, weekEnd: CalendarDate.shift(today, byDays: 6) ?? today, logger: logger)
        let open = try await openTasks(owner: caller.id, logger: logger)
        let focus = arguments?["focus"].map { "\nFavour: \($0)." } ?? ""
        let text = """
            Today is \(today). Review my task list and propose a plan for today: what is overdue, what is due this week, \
            and the three tasks I should do first, with one sentence each on why. Suggest tasks to reprioritise or \
            reschedule (you can use update_task or bulk_update_tasks once I agree).\(focus)

            I have \(workload.total) task(s); \(workload.overdue) overdue; \(workload.dueThisWeek) due in the next 7 days.
            Open tasks:
            \(open.isEmpty ? "(none)" : open.map(\.line).joined(separator: "\n"))
            """
        return GetPrompt.Result(description: "Daily review for \(today)", messages: [.user(.text(text: text))])
    }

    private func openTasks(owner: UUID, logger: Logger) async throws -> [TaskView] {
        var query = TaskListQuery(owner: owner)
        query.statuses = [.todo, .inProgress]
        query.sort = .dueDate
        query.descending = false
        query.limit = 100
        return try await tasks.list(query, cursor: nil, logger: logger).items.map(TaskView.init)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
