import Foundation

/// A task as its owner sees it (named so it cannot shadow Swift's `Task`).
public typealias DocketTask = Components.Schemas.Task
/// A task's status: `todo`, `in_progress` or `done`.
public typealias DocketTaskStatus = Components.Schemas.TaskStatus
/// A task's priority: `low`, `medium` or `high`.
public typealias DocketTaskPriority = Components.Schemas.TaskPriority
/// A new task.
public typealias NewDocketTask = Components.Schemas.TaskCreate
/// An account as its owner sees it.
public typealias DocketUser = Components.Schemas.User
/// A personal access token's metadata (never its secret).
public typealias DocketAccessToken = Components.Schemas.AccessToken
/// What a personal access token may do.
public typealias DocketTokenScope = Components.Schemas.TokenScope
/// The order of a task listing.
public typealias DocketTaskSort = Operations.ListTasks.Input.Query.SortPayload
/// The direction of a task listing.
public typealias DocketSortOrder = Operations.ListTasks.Input.Query.OrderPayload

extension Components.Schemas.Task {
    /// The entity tag the server gives this version of the task (what `If-Match` compares).
    public var etag: String { "\"\(version)\"" }
}

/// A change to a field that can be cleared: leave it, set it, or clear it (`null` in the merge patch).
public enum FieldChange<Value: Sendable & Equatable>: Sendable, Equatable {
    case keep
    case set(Value)
    case clear
}

/// The changes to make to a task; fields left at `.keep` / nil stay as they are.
public struct DocketTaskChanges: Sendable, Equatable {
    public var title: String?
    public var description: FieldChange<String>
    public var status: DocketTaskStatus?
    public var priority: DocketTaskPriority?
    /// A calendar date, `YYYY-MM-DD`.
    public var dueDate: FieldChange<String>

    /// Changes to a task (none by default).
    public init(
        title: String? = nil, description: FieldChange<String> = .keep, status: DocketTaskStatus? = nil,
        priority: DocketTaskPriority? = nil, dueDate: FieldChange<String> = .keep
    ) {
        self.title = title
        self.description = description
        self.status = status
        self.priority = priority
        self.dueDate = dueDate
    }

    /// Whether nothing would change.
    public var isEmpty: Bool {
        title == nil && description == .keep && status == nil && priority == nil && dueDate == .keep
    }

    /// The JSON merge patch: set fields with their values, cleared ones as `null`.
    func mergePatch() throws -> Data {
        var object: [String: Any] = [:]
        if let title { object["title"] = title }
        if let status { object["status"] = status.rawValue }
        if let priority { object["priority"] = priority.rawValue }
        switch description {
        case .keep: break
        case .set(let value): object["description"] = value
        case .clear: object["description"] = NSNull()
        }
        switch dueDate {
        case .keep: break
        case .set(let value): object["due_date"] = value
        case .clear: object["due_date"] = NSNull()
        }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}

extension Components.Schemas.TokenScope {
    /// `tasks:read`: list and read tasks, the feed.
    public static let tasksRead = Self.tasks_colon_read
    /// `tasks:write`: create, change and delete tasks.
    public static let tasksWrite = Self.tasks_colon_write
    /// `profile:read`: read the account.
    public static let profileRead = Self.profile_colon_read
    /// `agent:activity:read`: read the agent activity log.
    public static let agentActivityRead = Self.agent_colon_activity_colon_read
}
