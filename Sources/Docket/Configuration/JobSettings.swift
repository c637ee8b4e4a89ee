/// Settings of the job queue and this node's worker.
///
/// Environment variables:
/// - `DOCKET_JOB_CONCURRENCY` (default 2; 0 turns this node's worker off): jobs run at once on this node.
/// - `DOCKET_JOB_LEASE` (seconds, default 30): how long a claimed job is this node's without a sign of life; a node
///   that dies mid-job gives it up after this long.
/// - `DOCKET_JOB_POLL_INTERVAL` (milliseconds, default 1000): how often an idle worker looks for jobs enqueued on other
///   nodes (a job enqueued on this node wakes it at once).
/// - `DOCKET_JOB_MAX_ATTEMPTS` (default 5): attempts before a job is failed for good.
/// - `DOCKET_JOB_BATCH_SIZE` (default 100): rows a job changes per transaction (each commits with the job's progress).
/// - `DOCKET_JOB_STEP_PAUSE` (milliseconds, default 0): a pause after each batch, to spare a busy database.
/// - `DOCKET_DELETION_GRACE_SECONDS` (default 604800 = 7 days): how long after `DELETE /api/v1/users/me` the account
///   can still be restored; its tasks and the account itself are deleted when it ends.
public struct JobSettings: Sendable {
    public var concurrency = 2
    public var leaseSeconds = 30
    public var pollInterval: Duration = .seconds(1)
    public var maxAttempts = 5
    public var batchSize = 100
    public var stepPause: Duration = .zero
    /// Backoff between attempts.
    var retry = RetrySchedule()
    /// How long a deleted account can still be restored (`DOCKET_DELETION_GRACE_SECONDS`, default 7 days).
    public var deletionGraceSeconds = 604_800
    /// Where tests make a saga's node die (never set in production).
    var sagaFaults = SagaFaults()

    /// Defaults as documented.
    public init() {}
}

extension EnvironmentReader {
    func jobSettings() throws(ConfigError) -> JobSettings {
        var settings = JobSettings()
        settings.concurrency = try integer("DOCKET_JOB_CONCURRENCY", default: settings.concurrency, in: 0...64)
        settings.leaseSeconds = try integer("DOCKET_JOB_LEASE", default: settings.leaseSeconds, in: 2...3600)
        settings.pollInterval = .milliseconds(try integer("DOCKET_JOB_POLL_INTERVAL", default: 1000, in: 10...60_000))
        settings.maxAttempts = try integer("DOCKET_JOB_MAX_ATTEMPTS", default: settings.maxAttempts, in: 1...100)
        settings.batchSize = try integer("DOCKET_JOB_BATCH_SIZE", default: settings.batchSize, in: 1...10_000)
        settings.deletionGraceSeconds = try integer(
            "DOCKET_DELETION_GRACE_SECONDS", default: settings.deletionGraceSeconds, in: 0...31_536_000)
        settings.stepPause = .milliseconds(try integer("DOCKET_JOB_STEP_PAUSE", default: 0, in: 0...60_000))
        guard settings.stepPause * 2 < .seconds(settings.leaseSeconds) else {
            throw ConfigError(variable: "DOCKET_JOB_STEP_PAUSE", problem: "must be less than half of DOCKET_JOB_LEASE (a job must renew its lease)")
        }
        return settings
    }
}
