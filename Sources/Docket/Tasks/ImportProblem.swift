/// A row of a lenient import that was left out or changed, and why.
struct ImportProblem: Codable, Sendable, Equatable {
    /// Where the row came from, as a JSON pointer into the request (`/todoist_csv/line 7`).
    let source: String
    let problems: [String]
}
