import DocketAPI
import Foundation

extension Components.Schemas.User {
    /// The wire view of an account: never the password hash.
    init(_ user: UserModel) throws {
        self.init(
            id: user.id!.uuidString.lowercased(),
            email: user.email,
            name: user.name,
            role: Components.Schemas.Role(rawValue: user.role) ?? .user,
            emailVerified: user.emailVerifiedAt != nil,
            active: user.isActive,
            createdAt: user.createdAt,
            updatedAt: user.updatedAt
        )
    }
}

extension Components.Schemas.TokenPair {
    init(_ signedIn: AccountService.SignedIn) throws {
        self.init(
            accessToken: signedIn.accessToken,
            refreshToken: signedIn.refreshToken,
            tokenType: .bearer,
            expiresIn: signedIn.expiresIn,
            user: try Components.Schemas.User(signedIn.user)
        )
    }
}

extension Components.Schemas.AuditEvent {
    init(_ event: AuditEventModel) throws {
        self.init(
            id: event.id!.uuidString.lowercased(),
            eventType: Components.Schemas.AuditEventType(rawValue: event.eventType) ?? .loginFailed,
            userId: event.userID?.uuidString.lowercased(),
            ip: event.ip,
            userAgent: event.userAgent,
            requestId: event.requestID,
            details: event.details,
            createdAt: event.createdAt
        )
    }
}

extension Components.Schemas.Task {
    /// The wire view of a stored task.
    init(_ task: TaskRecord) {
        self.init(
            id: task.id.uuidString.lowercased(),
            userId: task.userID.uuidString.lowercased(),
            title: task.title,
            description: task.description,
            status: Components.Schemas.TaskStatus(rawValue: task.status.rawValue)!,
            priority: Components.Schemas.TaskPriority(rawValue: task.priority.rawValue)!,
            dueDate: task.dueDate,
            completedAt: task.completedAt.map(Microseconds.date),
            createdAt: Microseconds.date(task.createdAt),
            updatedAt: Microseconds.date(task.updatedAt),
            version: task.version
        )
    }
}
