/// What a caller may read beyond its scopes' operations: a personal access token acts on tasks, so the account's own
/// business (webhook deliveries, emails, deletion and export sagas, their events) stays with its signed-in sessions.
extension AuthenticatedUser {
    /// The job kinds the caller may see and act on; nil for every kind (a session).
    var readableJobKinds: [String]? {
        guard case .personalAccessToken = credential else { return nil }
        return [BulkUpdateTasksJob.kind, ImportTasksJob.kind]
    }

    /// The event types the caller may read; nil for every type (a session). A personal access token reads task events,
    /// and `user.updated` when it holds `profile:read`; `webhook.*` and `export.ready` need a session.
    var readableEventTypes: Set<String>? {
        guard case .personalAccessToken = credential else { return nil }
        var types = Set(EventType.subscribable.filter { $0.rawValue.hasPrefix("task.") }.map(\.rawValue))
        if holds(.profileRead) { types.insert(EventType.userUpdated.rawValue) }
        return types
    }

    /// The types a feed asking for `requested` (nil: every type) delivers to this caller.
    func readable(_ requested: Set<String>?) -> Set<String>? {
        guard let allowed = readableEventTypes else { return requested }
        return (requested ?? Set(EventType.subscribable.map(\.rawValue))).intersection(allowed)
    }
}
