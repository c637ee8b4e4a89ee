import Foundation

/// The tasks of an `import_tasks` job, checked before the job is queued (a 422 lists the first problems by row).
struct TaskImport: Codable, Sendable {
    /// One task to create, already checked.
    struct Row: Codable, Sendable, Equatable {
        var title: String
        var description: String?
        var status: TaskStatus
        var priority: TaskPriority
        var dueDate: String?
    }

    /// The most tasks one import may hold.
    static let maxRows = 5_000
    /// The columns a CSV import may have (a header line names them; `title` is required).
    static let csvColumns = ["title", "description", "status", "priority", "due_date"]

    let rows: [Row]

    /// Checks each task with the same rules as `POST /api/v1/tasks`; `pointer` names where row `n` came from.
    init(_ tasks: [NewTask], pointer: (Int) -> String) throws {
        var errors: [FieldError] = []
        if tasks.isEmpty || tasks.count > Self.maxRows {
            errors.append(FieldError(pointer: "", message: "must hold 1 to \(Self.maxRows) tasks"))
        }
        var rows: [Row] = []
        for (index, task) in tasks.enumerated() where errors.count < 20 {
            var rowErrors: [FieldError] = []
            let title = TaskRules.title(task.title, into: &rowErrors)
            let description = TaskRules.description(task.description, into: &rowErrors)
            let dueDate = TaskRules.dueDate(task.dueDate, into: &rowErrors)
            errors += rowErrors.map { FieldError(pointer: pointer(index) + $0.pointer, message: $0.message) }
            rows.append(
                Row(title: title, description: description, status: task.status ?? .todo, priority: task.priority ?? .medium, dueDate: dueDate))
        }
        try CredentialRules.check(errors)
        self.rows = rows
    }

    /// Tasks from CSV text with a header line; each later line is one task (empty cells are absent values).
    static func csv(_ text: String) throws -> TaskImport {
        guard let lines = CSVReader.rows(text), let header = lines.first else {
            throw AppError.validation([FieldError(pointer: "/csv", message: "is not valid CSV with a header line")])
        }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let unknown = names.filter { !csvColumns.contains($0) }
        guard unknown.isEmpty, names.contains("title"), Set(names).count == names.count else {
            throw AppError.validation([
                FieldError(pointer: "/csv", message: "the header must name title and any of \(csvColumns.joined(separator: ", ")), each once")
            ])
        }
        var errors: [FieldError] = []
        var tasks: [NewTask] = []
        for (offset, cells) in lines.dropFirst().enumerated() where !(cells.count == 1 && cells[0].isEmpty) {
            let line = offset + 2
            guard cells.count == names.count else {
                errors.append(FieldError(pointer: "/csv/line \(line)", message: "has \(cells.count) cells; the header has \(names.count)"))
                continue
            }
            let value = { (name: String) -> String? in names.firstIndex(of: name).map { cells[$0] }.flatMap { $0.isEmpty ? nil : $0 } }
            let status = value("status").map { TaskStatus(rawValue: $0) }
            let priority = value("priority").map { TaskPriority(rawValue: $0) }
            if status == .some(nil) { errors.append(FieldError(pointer: "/csv/line \(line)/status", message: "must be todo, in_progress or done")) }
            if priority == .some(nil) { errors.append(FieldError(pointer: "/csv/line \(line)/priority", message: "must be low, medium or high")) }
            tasks.append(
                NewTask(
                    title: value("title") ?? "", description: value("description"), status: status ?? nil, priority: priority ?? nil,
                    dueDate: value("due_date")))
        }
        try CredentialRules.check(errors)
        return try TaskImport(tasks) { "/csv/line \($0 + 2)" }
    }
}
