import DocketClient
import Foundation

/// Prints `value` as one JSON document with sorted keys and RFC 3339 times (what `--json` promises scripts); every
/// name in `keys` is present in each object, as `null` where the value has none (generated encoders omit them), and
/// `adding`'s fields are merged into a top-level object.
func printJSON<Value: Encodable>(_ value: Value, keys: [String] = [], adding extra: [String: String] = [:]) throws {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .custom { date, encoder in
        var container = encoder.singleValueContainer()
        // As the API writes it: whole seconds end in `Z`, a fraction is kept only when there is one.
        let whole = date.timeIntervalSince1970.rounded(.down) == date.timeIntervalSince1970
        try container.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: !whole)))
    }
    func complete(_ object: Any) -> Any {
        if let array = object as? [Any] { return array.map(complete) }
        guard var fields = object as? [String: Any] else { return object }
        for key in keys where fields[key] == nil { fields[key] = NSNull() }
        return fields
    }
    var document = complete(try JSONSerialization.jsonObject(with: try encoder.encode(value), options: [.fragmentsAllowed]))
    if !extra.isEmpty, var fields = document as? [String: Any] {
        fields.merge(extra) { $1 }
        document = fields
    }
    let data = try JSONSerialization.data(
        withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
    print(String(decoding: data, as: UTF8.self))
}

/// The keys of each kind of object `--json` prints, all of the contract's fields.
enum JSONKeys {
    static let task = [
        "id", "user_id", "title", "description", "status", "priority", "due_date", "completed_at", "created_at", "updated_at", "version",
    ]
    static let user = ["id", "email", "name", "role", "email_verified", "active", "created_at", "updated_at"]
    static let accessToken = ["id", "name", "scopes", "prefix", "created_at", "expires_at", "last_used_at", "last_used_ip"]
}

/// Text for people: aligned columns, colour only on a terminal and never with NO_COLOR set.
struct TerminalStyle {
    let colour: Bool

    /// The style for standard output in this environment.
    static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> TerminalStyle {
        let noColour = !(environment["NO_COLOR"] ?? "").isEmpty || environment["TERM"] == "dumb"
        return TerminalStyle(colour: isatty(STDOUT_FILENO) == 1 && !noColour)
    }

    /// `text` in an ANSI colour (`code`: 31 red, 32 green, 33 yellow, 2 dim) when colour is on.
    func paint(_ text: String, _ code: Int) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// Rows under a header, each column as wide as its widest cell; `paint` may colour a cell after padding.
    func table(header: [String], rows: [[String]], paint: (_ column: Int, _ cell: String, _ padded: String) -> String = { $2 })
        -> String
    {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String], painted: Bool) -> String {
            cells.enumerated().map { column, cell in
                let padded = column == cells.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                return painted ? paint(column, cell, padded) : padded
            }.joined(separator: "  ")
        }
        let head = colour ? "\u{1B}[1m" + line(header, painted: false) + "\u{1B}[0m" : line(header, painted: false)
        return ([head] + rows.map { line($0, painted: true) }).joined(separator: "\n")
    }
}

extension TerminalStyle {
    /// The task table `docket tasks list` prints.
    func tasks(_ tasks: [DocketTask]) -> String {
        let rows = tasks.map { task in
            [task.id, task.status.rawValue, task.priority.rawValue, task.dueDate ?? "-", Self.shortened(task.title, to: 60)]
        }
        return table(header: ["ID", "STATUS", "PRIORITY", "DUE", "TITLE"], rows: rows) { column, cell, padded in
            switch (column, cell) {
            case (1, "done"): paint(padded, 32)
            case (1, "in_progress"): paint(padded, 33)
            case (2, "high"): paint(padded, 31)
            case (2, "low"), (3, "-"): paint(padded, 2)
            default: padded
            }
        }
    }

    /// One task, a field per line.
    func task(_ task: DocketTask) -> String {
        var lines = [
            ("id", task.id), ("title", task.title), ("status", task.status.rawValue), ("priority", task.priority.rawValue),
            ("due", task.dueDate ?? "-"),
        ]
        if let description = task.description { lines.append(("description", description)) }
        if let completed = task.completedAt { lines.append(("completed", completed.formatted(.iso8601))) }
        lines += [("created", task.createdAt.formatted(.iso8601)), ("updated", task.updatedAt.formatted(.iso8601)), ("version", "\(task.version)")]
        return lines.map { "\(($0.0 + ":").padding(toLength: 13, withPad: " ", startingAt: 0))\($0.1)" }.joined(separator: "\n")
    }

    private static func shortened(_ text: String, to length: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= length ? flat : String(flat.prefix(length - 1)) + "…"
    }
}
