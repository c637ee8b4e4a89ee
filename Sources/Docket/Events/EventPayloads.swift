import Foundation

/// The data of task events: the task as REST shows it, plus what changed (for updates).
struct TaskEventData: Encodable {
    let task: TaskPayload
    let changes: [String: FieldDelta]?

    /// One changed field: its value before and after (null when it was or became empty).
    struct FieldDelta: Encodable {
        let from: String?
        let to: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)
        }

        enum CodingKeys: String, CodingKey { case from, to }
    }

    /// The event for a change from `before` to `after` (creation when `before` is nil, deletion when `after` is nil).
    static func event(before: TaskRecord?, after: TaskRecord?) throws -> PendingEvent {
        guard let before else {
            let task = after!
            return try PendingEvent(.taskCreated, subject: "tasks/\(task.id.lowercased)", data: TaskEventData(task: TaskPayload(task), changes: nil))
        }
        guard let after else {
            return try PendingEvent(
                .taskDeleted, subject: "tasks/\(before.id.lowercased)", data: TaskEventData(task: TaskPayload(before), changes: nil))
        }
        var changes: [String: FieldDelta] = [:]
        func note(_ field: String, _ old: String?, _ new: String?) { if old != new { changes[field] = FieldDelta(from: old, to: new) } }
        note("title", before.title, after.title)
        note("description", before.description, after.description)
        note("status", before.status.rawValue, after.status.rawValue)
        note("priority", before.priority.rawValue, after.priority.rawValue)
        note("due_date", before.dueDate, after.dueDate)
        let type: EventType =
            before.status != .done && after.status == .done
            ? .taskCompleted : before.status == .done && after.status != .done ? .taskReopened : .taskUpdated
        return try PendingEvent(type, subject: "tasks/\(after.id.lowercased)", data: TaskEventData(task: TaskPayload(after), changes: changes))
    }
}

/// A task as the REST API shows it (the contract's `Task`), for event data.
struct TaskPayload: Encodable {
    let id: String
    let userID: String
    let title: String
    let description: String?
    let status: String
    let priority: String
    let dueDate: String?
    let completedAt: String?
    let createdAt: String
    let updatedAt: String
    let version: Int

    enum CodingKeys: String, CodingKey {
        case id, title, description, status, priority, version
        case userID = "user_id"
        case dueDate = "due_date"
        case completedAt = "completed_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    init(_ task: TaskRecord) {
        id = task.id.lowercased
        userID = task.userID.lowercased
        title = task.title
        description = task.description
        status = task.status.rawValue
        priority = task.priority.rawValue
        dueDate = task.dueDate
        completedAt = task.completedAt.map(EventTime.seconds)
        createdAt = EventTime.seconds(task.createdAt)
        updatedAt = EventTime.seconds(task.updatedAt)
        version = task.version
    }
}

/// The data of `user.updated`: the account as REST shows it, plus what changed.
struct UserEventData: Encodable {
    let user: UserPayload
    let changes: [String: TaskEventData.FieldDelta]

    /// A user as the REST API shows it (the contract's `User`).
    struct UserPayload: Encodable {
        let id: String
        let email: String
        let name: String
        let role: String
        let emailVerified: Bool
        let active: Bool
        let deactivated: Bool
        let deletionPending: Bool
        let createdAt: String
        let updatedAt: String

        enum CodingKeys: String, CodingKey {
            case id, email, name, role, active, deactivated
            case emailVerified = "email_verified"
            case deletionPending = "deletion_pending"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }
    }

    /// The event for a rename of `user` from `oldName`.
    static func renamed(_ user: UserModel, from oldName: String) throws -> PendingEvent {
        let payload = UserPayload(
            id: user.id!.lowercased, email: user.email, name: user.name, role: user.role, emailVerified: user.emailVerifiedAt != nil,
            active: user.isActive, deactivated: user.isDeactivated, deletionPending: user.isPendingDeletion,
            createdAt: EventTime.seconds(user.createdAt), updatedAt: EventTime.seconds(user.updatedAt))
        return try PendingEvent(
            .userUpdated, subject: "users/\(user.id!.lowercased)",
            data: UserEventData(user: payload, changes: ["name": .init(from: oldName, to: user.name)]))
    }
}
