import MCP

/// The tools Docket offers agents: names, descriptions an LLM can act on, JSON Schemas, annotations, and the scope each
/// needs (a personal access token sees only the tools its scopes allow).
enum TaskToolCatalog {
    /// One tool and the scope that calling it needs.
    struct Entry: Sendable {
        let tool: Tool
        let scope: TokenScope
        /// The argument names the input schema allows (anything else is refused).
        let arguments: Set<String>
    }

    static let statuses: Value = ["type": "string", "enum": ["todo", "in_progress", "done"]]
    static let priorities: Value = ["type": "string", "enum": ["low", "medium", "high"]]
    static let date: Value = ["type": "string", "format": "date", "description": "A calendar date, YYYY-MM-DD."]
    static let uuid: Value = ["type": "string", "format": "uuid", "description": "The task's id."]
    static let task: Value = [
        "type": "object",
        "properties": [
            "id": ["type": "string"], "title": ["type": "string"], "description": ["type": ["string", "null"]], "status": statuses,
            "priority": priorities, "due_date": ["type": ["string", "null"]], "completed_at": ["type": ["string", "null"]],
            "created_at": ["type": "string"], "updated_at": ["type": "string"], "version": ["type": "integer"],
        ],
        "required": ["id", "title", "status", "priority", "created_at", "updated_at", "version"],
    ]
    static let job: Value = [
        "type": "object",
        "properties": [
            "id": ["type": "string"], "kind": ["type": "string"],
            "state": ["type": "string", "enum": ["queued", "running", "succeeded", "failed", "cancelled"]],
            "attempts": ["type": "integer"], "progress_done": ["type": "integer"], "progress_total": ["type": ["integer", "null"]],
            "result": ["type": ["string", "null"]], "error": ["type": ["string", "null"]],
        ],
        "required": ["id", "kind", "state", "attempts", "progress_done"],
    ]
    static let page: Value = [
        "type": "object",
        "properties": ["items": ["type": "array", "items": task], "next_cursor": ["type": ["string", "null"]]],
        "required": ["items"],
    ]
    static let filterProperties: [String: Value] = [
        "status": ["type": "array", "items": statuses, "description": "Only tasks in one of these states."],
        "priority": ["type": "array", "items": priorities, "description": "Only tasks of one of these priorities."],
        "due_before": date, "due_after": date,
    ]

    static func object(_ properties: [String: Value], required: [String] = []) -> Value {
        ["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) }), "additionalProperties": false]
    }

    static func entry(
        _ name: String, _ description: String, scope: TokenScope, input: [String: Value], required: [String] = [], output: Value,
        readOnly: Bool = false, destructive: Bool = false, idempotent: Bool = false
    ) -> Entry {
        Entry(
            tool: Tool(
                name: name, description: description, inputSchema: object(input, required: required),
                annotations: .init(readOnlyHint: readOnly, destructiveHint: destructive, idempotentHint: idempotent, openWorldHint: false),
                outputSchema: output),
            scope: scope, arguments: Set(input.keys))
    }

    /// Every tool, in the order `tools/list` shows them.
    static let all: [Entry] = [
        entry(
            "list_tasks",
            "List the user's tasks, newest first unless sorted otherwise. Filter by status, priority, due dates or text; "
                + "pass next_cursor back as cursor for the next page.",
            scope: .tasksRead,
            input: filterProperties.merging([
                "q": ["type": "string", "maxLength": 200, "description": "Text the title or description contains (case-insensitive)."],
                "sort": ["type": "string", "enum": ["created_at", "updated_at", "due_date", "priority"]],
                "order": ["type": "string", "enum": ["asc", "desc"]],
                "limit": ["type": "integer", "minimum": 1, "maximum": 100, "default": 20],
                "cursor": ["type": "string", "description": "next_cursor of the previous page."],
            ]) { first, _ in first }, output: page, readOnly: true, idempotent: true),
        entry(
            "search_tasks", "Find the user's tasks whose title or description contains the query text (case-insensitive).",
            scope: .tasksRead,
            input: [
                "query": ["type": "string", "minLength": 1, "maxLength": 200], "status": filterProperties["status"]!,
                "limit": ["type": "integer", "minimum": 1, "maximum": 100, "default": 20],
            ], required: ["query"], output: page, readOnly: true, idempotent: true),
        entry(
            "get_task", "Get one of the user's tasks by id.", scope: .tasksRead, input: ["id": uuid], required: ["id"], output: task,
            readOnly: true, idempotent: true),
        entry(
            "summarize_workload",
            "Summarize the user's task list: counts by status and priority, open tasks overdue, open tasks due in the next 7 days.",
            scope: .tasksRead, input: [:],
            output: [
                "type": "object",
                "properties": [
                    "total": ["type": "integer"], "overdue": ["type": "integer"], "due_this_week": ["type": "integer"],
                    "by_status": ["type": "object"], "by_priority": ["type": "object"],
                ],
            ], readOnly: true, idempotent: true),
        entry(
            "create_task", "Create a task for the user. Only the title is required; status defaults to todo, priority to medium.",
            scope: .tasksWrite,
            input: [
                "title": ["type": "string", "minLength": 1, "maxLength": 200], "description": ["type": "string", "maxLength": 10_000],
                "status": statuses, "priority": priorities, "due_date": date,
            ], required: ["title"], output: task),
        entry(
            "update_task",
            "Change fields of one of the user's tasks; fields left out stay as they are, null clears description or due_date. "
                + "Pass expected_version to change it only if nobody changed it since you read it.",
            scope: .tasksWrite,
            input: [
                "id": uuid, "title": ["type": "string", "minLength": 1, "maxLength": 200],
                "description": ["type": ["string", "null"], "maxLength": 10_000], "status": statuses, "priority": priorities,
                "due_date": ["type": ["string", "null"], "format": "date"],
                "expected_version": ["type": "integer", "minimum": 1, "description": "The version you last read."],
            ], required: ["id"], output: task, idempotent: true),
        entry(
            "complete_task", "Mark one of the user's tasks done.", scope: .tasksWrite, input: ["id": uuid], required: ["id"], output: task,
            idempotent: true),
        entry(
            "delete_task", "Delete one of the user's tasks for good.", scope: .tasksWrite, input: ["id": uuid], required: ["id"],
            output: ["type": "object", "properties": ["deleted": ["type": "string"]], "required": ["deleted"]], destructive: true,
            idempotent: true),
        entry(
            "bulk_update_tasks",
            "Change every task matching a filter in the background (returns a job at once; follow it with get_job): "
                + "set_status (done completes, todo reopens), set_priority, shift_due_days (moves due dates).",
            scope: .tasksWrite,
            input: [
                "filter": object(filterProperties.merging(["q": ["type": "string", "maxLength": 200]]) { first, _ in first }),
                "set_status": statuses, "set_priority": priorities,
                "shift_due_days": ["type": "integer", "minimum": -3660, "maximum": 3660],
            ], output: job, destructive: true),
        entry(
            "import_tasks",
            "Create many tasks in the background from a JSON list or CSV text (header line naming title and any of description, "
                + "status, priority, due_date). Returns a job at once; follow it with get_job.",
            scope: .tasksWrite,
            input: [
                "tasks": [
                    "type": "array", "minItems": 1, "maxItems": 5000,
                    "items": [
                        "type": "object", "required": ["title"],
                        "properties": [
                            "title": ["type": "string"], "description": ["type": "string"], "status": statuses, "priority": priorities,
                            "due_date": date,
                        ],
                    ],
                ],
                "csv": ["type": "string", "maxLength": 1_000_000],
            ], output: job),
        entry(
            "get_job", "Get a background job's state, progress and result.", scope: .tasksRead,
            input: ["id": ["type": "string", "format": "uuid"]], required: ["id"], output: job, readOnly: true, idempotent: true),
        entry(
            "cancel_job", "Cancel a background job (a running one stops after its current batch).", scope: .tasksWrite,
            input: ["id": ["type": "string", "format": "uuid"]], required: ["id"], output: job, idempotent: true),
    ]

    /// The catalog entry named `name`.
    static func entry(named name: String) -> Entry? { all.first { $0.tool.name == name } }

    /// How metrics, logs and the activity log name a call to `name`: the tool's name when the catalogue has it, else
    /// `unknown` (a caller's made-up names never become label values or log fields).
    static func label(for name: String) -> String { entry(named: name) == nil ? "unknown" : name }
}
