/// Where a test makes the node running a saga "die": after the named step commits, the runner stops as a killed node
/// would (the job keeps its lease until it expires, then any node resumes the saga). Production never sets it.
struct SagaFaults: Sendable {
    /// Called after each committed step with its name; true stops the runner there.
    var dieAfter: (@Sendable (String) async -> Bool)?

    /// No faults.
    init(dieAfter: (@Sendable (String) async -> Bool)? = nil) {
        self.dieAfter = dieAfter
    }
}
