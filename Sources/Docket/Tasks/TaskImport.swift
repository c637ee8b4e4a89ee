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
    /// The most problems one reply or job result lists; the rest are counted (`skippedCount`, `notesCount`, or a last
    /// "… more" entry in a 422), so a hostile file cannot make a reply as large as itself.
    static let maxListedProblems = 100
    /// The columns a CSV import may have (a header line names them; `title` is required).
    static let csvColumns = ["title", "description", "status", "priority", "due_date"]

    let rows: [Row]
    /// Rows left out of a lenient import, with why (nil for a strict import, which refuses the whole batch instead).
    var skipped: [ImportProblem]? = nil
    /// What a lenient import changed to carry a row over (a dropped date, a defaulted priority).
    var notes: [ImportProblem]? = nil
    /// How many rows were left out and how many changed, when the lists above hold only the first of them.
    var skippedCount: Int? = nil
    var notesCount: Int? = nil

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

    /// The first `maxListedProblems` of `errors`, then one entry at `pointer` counting the rest.
    static func capped(_ errors: [FieldError], pointer: String) -> [FieldError] {
        guard errors.count > maxListedProblems else { return errors }
        let more = errors.count - maxListedProblems
        return Array(errors.prefix(maxListedProblems)) + [FieldError(pointer: pointer, message: "and \(more) more problems not listed")]
    }

    /// The rows of another tool's export that pass the rules of `POST /api/v1/tasks`; the others are left out and
    /// reported (`skipped`), with what was changed to carry a row over (`notes`). A 422 only when no row is left or
    /// there are more than `maxRows`.
    init(lenient candidates: [(source: String, task: NewTask, notes: [String])], pointer: String) throws {
        var rows: [Row] = []
        var skipped: [ImportProblem] = []
        var notes: [ImportProblem] = []
        for candidate in candidates {
            var errors: [FieldError] = []
            let title = TaskRules.title(candidate.task.title, into: &errors)
            let description = TaskRules.description(candidate.task.description, into: &errors)
            let dueDate = TaskRules.dueDate(candidate.task.dueDate, into: &errors)
            guard errors.isEmpty else {
                skipped.append(ImportProblem(source: candidate.source, problems: errors.map { "\($0.pointer.dropFirst()) \($0.message)" }))
                continue
            }
            if !candidate.notes.isEmpty { notes.append(ImportProblem(source: candidate.source, problems: candidate.notes)) }
            rows.append(
                Row(
                    title: title, description: description, status: candidate.task.status ?? .todo, priority: candidate.task.priority ?? .medium,
                    dueDate: dueDate))
        }
        guard !rows.isEmpty, rows.count <= Self.maxRows else {
            let problem = rows.isEmpty ? "holds no task that can be imported (\(skipped.count) left out)" : "holds more than \(Self.maxRows) tasks"
            throw AppError.validation(
                [FieldError(pointer: pointer, message: problem)]
                    + skipped.prefix(19).map {
                        FieldError(pointer: $0.source, message: $0.problems.joined(separator: "; "))
                    })
        }
        self.rows = rows
        self.skipped = Array(skipped.prefix(Self.maxListedProblems))
        self.notes = Array(notes.prefix(Self.maxListedProblems))
        self.skippedCount = skipped.count
        self.notesCount = notes.count
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
        try CredentialRules.check(capped(errors, pointer: "/csv"))
        return try TaskImport(tasks) { "/csv/line \($0 + 2)" }
    }
}
