/// One migration's state, as reported by `docket migrate status`.
public struct MigrationState: Sendable, Equatable {
    /// The migration's name.
    public let name: String
    /// The batch it was applied in, or nil when pending.
    public let batch: Int?
}
