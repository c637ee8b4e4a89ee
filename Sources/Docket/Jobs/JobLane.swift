/// Which of a worker's two sets of slots a job runs in, so account work (emails, saga steps) never waits behind bulk
/// work (imports, bulk updates, webhook deliveries), however much of it one account queues.
enum JobLane: CaseIterable, Sendable {
    case account
    case bulk

    /// The kinds that run in the account lane; every other kind is bulk.
    static let accountKinds: Set<String> = [AccountEmailJob.kind, NoticeEmailJob.kind, SagaRunner.kind]

    /// The lane jobs of `kind` run in.
    static func of(_ kind: String) -> JobLane { accountKinds.contains(kind) ? .account : .bulk }
}
