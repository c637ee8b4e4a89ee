/// What a write demands of a task's current version (the HTTP layer decodes it from `If-Match`).
enum VersionPrecondition: Sendable, Equatable {
    /// The task must exist, at any version.
    case anyVersion
    /// The task must be at one of these versions.
    case oneOf([Int])

    /// Whether a task at `version` satisfies the precondition.
    func admits(_ version: Int) -> Bool {
        switch self {
        case .anyVersion: true
        case .oneOf(let versions): versions.contains(version)
        }
    }
}
