import Foundation

/// Tasks read from another tool's export (Todoist's CSV) or from a Docket export document. Unlike a plain import,
/// a row that breaks a rule does not stop the others: it is left out and reported with its problems, and a value that
/// cannot be carried over (a recurring Todoist date) is dropped with a note.
enum ForeignImport {
    /// Todoist's CSV export: one row per `task` (sections and notes are left out). `CONTENT` is the title,
    /// `DESCRIPTION` the description, `PRIORITY` 1 (Todoist's p1) high, 2 medium, 3 low, 4 (no priority) medium, and
    /// `DATE` the due date when it starts with a calendar date (`2026-12-24`, `2026-12-24T09:00`).
    static func todoist(_ text: String) throws -> TaskImport {
        guard let lines = CSVReader.rows(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text), let header = lines.first else {
            throw AppError.validation([FieldError(pointer: "/todoist_csv", message: "is not valid CSV with a header line")])
        }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        guard names.contains("TYPE"), names.contains("CONTENT") else {
            throw AppError.validation([FieldError(pointer: "/todoist_csv", message: "is not a Todoist export: the header must name TYPE and CONTENT")]
            )
        }
        var candidates: [(source: String, task: NewTask, notes: [String])] = []
        for (offset, cells) in lines.dropFirst().enumerated() {
            let line = offset + 2
            let value = { (name: String) -> String? in
                names.firstIndex(of: name).flatMap { $0 < cells.count ? cells[$0] : nil }.flatMap { $0.isEmpty ? nil : $0 }
            }
            guard value("TYPE")?.lowercased() == "task" else { continue }
            var notes: [String] = []
            let priority: TaskPriority? =
                switch value("PRIORITY") {
                case "1": .high
                case "3": .low
                case "2", "4", nil: .medium
                case let other?:
                    {
                        notes.append("priority \(other) is not 1–4; imported as medium")
                        return .medium
                    }()
                }
            var dueDate: String?
            if let date = value("DATE") {
                let day = String(date.prefix(10))
                if TaskRules.isCalendarDate(day) {
                    dueDate = day
                } else {
                    notes.append("due date \"\(date.prefix(40))\" is not a calendar date; imported without one")
                }
            }
            candidates.append(
                (
                    "/todoist_csv/line \(line)",
                    NewTask(title: value("CONTENT") ?? "", description: value("DESCRIPTION"), status: .todo, priority: priority, dueDate: dueDate),
                    notes
                ))
        }
        return try TaskImport(lenient: candidates, pointer: "/todoist_csv")
    }

    /// The tasks of a Docket export document (`GET` of an export's download link): each with `title` and optionally
    /// `description`, `status`, `priority` and `due_date`, as the API writes them.
    static func docketExport(_ tasks: [[String: ExportValue]]) throws -> TaskImport {
        var candidates: [(source: String, task: NewTask, notes: [String])] = []
        for (index, task) in tasks.enumerated() {
            var notes: [String] = []
            let status = task["status"]?.string.map { value in
                TaskStatus(rawValue: value)
                    ?? {
                        notes.append("status \(value) is unknown; imported as todo")
                        return .todo
                    }()
            }
            let priority = task["priority"]?.string.map { value in
                TaskPriority(rawValue: value)
                    ?? {
                        notes.append("priority \(value) is unknown; imported as medium")
                        return .medium
                    }()
            }
            candidates.append(
                (
                    "/docket_export/tasks/\(index)",
                    NewTask(
                        title: task["title"]?.string ?? "", description: task["description"]?.string, status: status, priority: priority,
                        dueDate: task["due_date"]?.string), notes
                ))
        }
        return try TaskImport(lenient: candidates, pointer: "/docket_export/tasks")
    }
}

/// A JSON value of an export document, as far as an import reads it.
enum ExportValue: Sendable, Equatable {
    case string(String)
    case other

    var string: String? {
        if case .string(let value) = self { value } else { nil }
    }
}
