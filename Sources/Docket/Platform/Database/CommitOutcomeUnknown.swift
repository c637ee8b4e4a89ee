/// A COMMIT whose outcome Docket cannot know: it was sent, and then the connection was lost or its deadline passed
/// (PostgreSQL), or the disk failed while SQLite was making it durable. The write may or may not be stored, so the
/// client is told exactly that (`outcome-unknown`, 504), never the retryable 503 that means "not done".
struct CommitOutcomeUnknown: Error, CustomStringConvertible {
    /// What the COMMIT failed with.
    let underlying: any Error

    var description: String { "the outcome of a COMMIT is unknown: \(DatabaseFailure.describe(underlying))" }
}
