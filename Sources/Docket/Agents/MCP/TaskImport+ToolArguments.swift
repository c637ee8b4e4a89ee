import Foundation

extension TaskImport {
    /// The checked rows of an `import_tasks` tool call: `tasks` (objects) or `csv`, exactly one.
    init(toolArguments args: inout ToolArguments) throws {
        let csv = args.string("csv")
        let rows = args.raw("tasks")
        try args.check()
        switch (rows, csv) {
        case (let rows?, nil):
            guard let items = rows.arrayValue else { throw AppError.validation([FieldError(pointer: "/tasks", message: "must be an array")]) }
            var errors: [FieldError] = []
            let tasks = items.enumerated().map { index, item -> NewTask in
                var row = ToolArguments(item.objectValue, allowed: ["title", "description", "status", "priority", "due_date"])
                let task = NewTask(
                    title: row.string("title", required: true) ?? "", description: row.string("description"), status: row.choice("status"),
                    priority: row.choice("priority"), dueDate: row.string("due_date"))
                if item.objectValue == nil { errors.append(FieldError(pointer: "/tasks/\(index)", message: "must be an object")) }
                errors += row.errors.map { FieldError(pointer: "/tasks/\(index)\($0.pointer)", message: $0.message) }
                return task
            }
            try CredentialRules.check(errors)
            self = try TaskImport(tasks) { "/tasks/\($0)" }
        case (nil, let csv?):
            self = try TaskImport.csv(csv)
        default:
            throw AppError.validation([FieldError(pointer: "", message: "must hold exactly one of tasks and csv")])
        }
    }
}
