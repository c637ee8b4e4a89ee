import ArgumentParser
import DocketClient
import Foundation

extension DocketTaskStatus: ExpressibleByArgument {}
extension DocketTaskPriority: ExpressibleByArgument {}
extension DocketTaskSort: ExpressibleByArgument {}
extension DocketSortOrder: ExpressibleByArgument {}

/// `docket tasks …`: the signed-in account's tasks from the terminal.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "List, add, show, change and delete your tasks.",
        discussion: "Uses the session of `docket login`, or DOCKET_TOKEN (a personal access token) with DOCKET_URL.",
        subcommands: [List.self, Add.self, Show.self, Edit.self, Done.self, Reopen.self, Remove.self])

    /// Lists tasks, filtered and sorted by the server.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List tasks (newest first unless --sort/--order say otherwise).",
            discussion: "Pages through the server's listing until --limit tasks are shown (or all of them with --all).")

        @OptionGroup var options: ClientOptions
        @Option(help: "Only tasks with this status (repeatable).") var status: [DocketTaskStatus] = []
        @Option(help: "Only tasks with this priority (repeatable).") var priority: [DocketTaskPriority] = []
        @Option(name: [.customShort("q"), .long], help: "Only tasks whose title or description contains this text.")
        var search: String?
        @Option(help: "Only tasks due on or before this date (YYYY-MM-DD).") var dueBefore: String?
        @Option(help: "Only tasks due on or after this date (YYYY-MM-DD).") var dueAfter: String?
        @Option(help: "Sort key.") var sort: DocketTaskSort = .createdAt
        @Option(help: "Sort direction.") var order: DocketSortOrder = .desc
        @Option(help: "Show at most this many tasks.") var limit = 50
        @Flag(help: "Show every matching task (ignores --limit).") var all = false

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
            try ArgumentChecks.date(dueBefore, option: "--due-before")
            try ArgumentChecks.date(dueAfter, option: "--due-after")
        }

        func run() async throws {
            try await runClientCommand {
                let connection = try await ClientConnection.open(options)
                let wanted = all ? Int.max : limit
                var found: [DocketTask] = []
                let listing = connection.client.tasks(
                    status: status, priority: priority, search: search, dueBefore: dueBefore, dueAfter: dueAfter, sort: sort,
                    order: order, pageSize: min(wanted, 100))
                for try await task in listing {
                    found.append(task)
                    if found.count >= wanted { break }
                }
                if options.json {
                    try printJSON(found, keys: JSONKeys.task)
                } else if found.isEmpty {
                    print("no tasks")
                } else {
                    print(TerminalStyle.current().tasks(found))
                }
            }
        }
    }

    /// Creates a task.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a task.")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The title (1–200 characters).") var title: String
        @Option(help: "A longer description.") var description: String?
        @Option(help: "The priority (default medium).") var priority: DocketTaskPriority?
        @Option(help: "The status (default todo).") var status: DocketTaskStatus?
        @Option(help: "The due date (YYYY-MM-DD).") var due: String?

        func validate() throws { try ArgumentChecks.date(due, option: "--due") }

        func run() async throws {
            try await runClientCommand {
                let connection = try await ClientConnection.open(options)
                let task = try await connection.client.createTask(
                    .init(title: title, description: description, status: status, priority: priority, dueDate: due))
                if options.json { try printJSON(task, keys: JSONKeys.task) } else { print("added \(task.id)  \(task.title)") }
            }
        }
    }

    /// Shows one task.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a task.")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The task's id.") var id: String

        func validate() throws { try ArgumentChecks.taskID(id) }

        func run() async throws {
            try await runClientCommand {
                let task = try await ClientConnection.open(options).client.task(id)
                if options.json { try printJSON(task, keys: JSONKeys.task) } else { print(TerminalStyle.current().task(task)) }
            }
        }
    }

    /// Changes fields of a task, only if nobody changed it meanwhile.
    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a task.",
            discussion: "Reads the task first and sends its version as If-Match: a change made meanwhile is refused (exit 65).")

        @OptionGroup var options: ClientOptions
        @Argument(help: "The task's id.") var id: String
        @Option(help: "A new title.") var title: String?
        @Option(help: "A new description.") var description: String?
        @Flag(help: "Remove the description.") var clearDescription = false
        @Option(help: "A new status.") var status: DocketTaskStatus?
        @Option(help: "A new priority.") var priority: DocketTaskPriority?
        @Option(help: "A new due date (YYYY-MM-DD).") var due: String?
        @Flag(help: "Remove the due date.") var clearDue = false

        func validate() throws {
            try ArgumentChecks.taskID(id)
            try ArgumentChecks.date(due, option: "--due")
            if description != nil && clearDescription { throw ValidationError("--description and --clear-description contradict") }
            if due != nil && clearDue { throw ValidationError("--due and --clear-due contradict") }
            if changes.isEmpty { throw ValidationError("nothing to change: give at least one of the options") }
        }

        var changes: DocketTaskChanges {
            DocketTaskChanges(
                title: title, description: clearDescription ? .clear : description.map { .set($0) } ?? .keep, status: status,
                priority: priority, dueDate: clearDue ? .clear : due.map { .set($0) } ?? .keep)
        }

        func run() async throws {
            try await runClientCommand {
                try await changeTask(id, changes, options: options, verb: "changed")
            }
        }
    }

    /// Marks a task done.
    struct Done: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark a task done.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The task's id.") var id: String

        func validate() throws { try ArgumentChecks.taskID(id) }

        func run() async throws {
            try await runClientCommand { try await changeTask(id, .init(status: .done), options: options, verb: "done") }
        }
    }

    /// Reopens a task.
    struct Reopen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reopen a task (status todo).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The task's id.") var id: String

        func validate() throws { try ArgumentChecks.taskID(id) }

        func run() async throws {
            try await runClientCommand { try await changeTask(id, .init(status: .todo), options: options, verb: "reopened") }
        }
    }

    /// Deletes a task.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a task.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The task's id.") var id: String

        func validate() throws { try ArgumentChecks.taskID(id) }

        func run() async throws {
            try await runClientCommand {
                try await ClientConnection.open(options).client.deleteTask(id)
                if options.json { try printJSON(["deleted": id]) } else { print("deleted \(id)") }
            }
        }
    }
}

/// Reads the task, applies `changes` with its version as If-Match, and prints the result.
private func changeTask(_ id: String, _ changes: DocketTaskChanges, options: ClientOptions, verb: String) async throws {
    let client = try await ClientConnection.open(options).client
    let current = try await client.task(id)
    let changed = try await client.update(current, changes)
    if options.json { try printJSON(changed, keys: JSONKeys.task) } else { print("\(verb) \(changed.id)  \(changed.title)") }
}
