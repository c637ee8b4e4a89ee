import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs queued jobs on this node until graceful shutdown: up to `concurrency` at once in each lane (`JobLane`), so
/// account emails and saga steps have slots no bulk work can take, and bulk claims pass over accounts that already have
/// a job running while another account's job waits. A job whose node dies keeps its lease until it expires; then any
/// node claims it again (counting an attempt). On shutdown the worker stops claiming, and running jobs are released for
/// another node after the step in progress commits.
final class JobWorker: Service, Sendable {
    private let store: JobStore
    private let database: DocketDatabase
    private let handlers: [String: any JobHandler]
    private let signal: WakeSignal
    private let gate: StartGate
    private let settings: JobSettings
    private let metrics: DocketMetrics
    private let logger: Logger
    /// This node's worker id; each claim's lease is this id plus a suffix of its own, so even two runs of one job on
    /// one node (a step that outlived its lease) cannot both write.
    let workerID: String
    /// Told after each committed step of a job (wakes its owner's live feeds, which may have new events).
    private let stepCommitted: @Sendable (JobRecord) -> Void
    private let stopping = Atomic<Bool>(false)
    /// Jobs running in each lane.
    private let running = Mutex<[JobLane: Int]>([:])
    /// The kinds this worker runs, by lane (lanes it has no handler for are left out).
    private let laneKinds: [(lane: JobLane, kinds: [String])]
    /// The one account whose jobs this worker runs (`docket mcp`), or nil for every account's.
    private let owner: UUID?

    /// A worker for `handlers`' kinds (of `owner`'s jobs only, when given).
    init(
        store: JobStore, database: DocketDatabase, handlers: [any JobHandler], signal: WakeSignal, gate: StartGate, settings: JobSettings,
        metrics: DocketMetrics, logger: Logger, owner: UUID? = nil, stepCommitted: @escaping @Sendable (JobRecord) -> Void = { _ in }
    ) {
        self.owner = owner
        self.stepCommitted = stepCommitted
        self.gate = gate
        self.store = store
        self.database = database
        self.handlers = Dictionary(handlers.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
        let kinds = Array(self.handlers.keys).sorted()
        self.laneKinds = JobLane.allCases.map { lane in (lane, kinds.filter { JobLane.of($0) == lane }) }.filter { !$0.kinds.isEmpty }
        self.signal = signal
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.workerID = "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Claims and runs jobs until graceful shutdown, then waits for the running ones to finish or be released.
    func run() async throws {
        // Graceful shutdown and cancellation (say, the server failed to start) both stop claiming and wake every wait.
        await withTaskCancellationHandler {
            await runUntilStopped()
        } onCancel: {
            self.stop()
        }
        logger.info("job worker stopped", metadata: ["worker": .string(workerID)])
    }

    private func stop() {
        stopping.store(true, ordering: .relaxed)
        gate.open()
        signal.notify()
    }

    private func runUntilStopped() async {
        await withGracefulShutdownHandler {
            await gate.wait()
            await withDiscardingTaskGroup { group in
                var lastGaugeRefresh = ContinuousClock.now - .seconds(3600)
                while !stopping.load(ordering: .relaxed) {
                    if ContinuousClock.now - lastGaugeRefresh > .seconds(15) {
                        await refreshGauges()
                        lastGaugeRefresh = ContinuousClock.now
                    }
                    var claimed = false
                    for (lane, kinds) in laneKinds where running.withLock({ $0[lane, default: 0] }) < settings.concurrency {
                        guard let job = await claim(kinds, lane: lane) else { continue }
                        claimed = true
                        running.withLock { $0[lane, default: 0] += 1 }
                        group.addTask {
                            await self.execute(job)
                            self.running.withLock { $0[lane, default: 0] -= 1 }
                            self.signal.notify()
                        }
                    }
                    if claimed { continue }
                    await signal.wait(upTo: settings.pollInterval)
                }
            }
        } onGracefulShutdown: {
            self.stop()
        }
    }

    /// The next job of `kinds` for this worker; in the bulk lane, an account without a running job goes first.
    private func claim(_ kinds: [String], lane: JobLane) async -> JobRecord? {
        let now = Microseconds.now()
        let lease = Int64(settings.leaseSeconds) * 1_000_000
        do {
            for sparing in lane == .bulk && owner == nil ? [true, false] : [false] {
                if let job = try await store.claim(
                    worker: "\(workerID)#\(UUID().uuidString.prefix(8).lowercased())", kinds: kinds, owner: owner, sparingBusyOwners: sparing,
                    now: now, leaseMicroseconds: lease, logger: logger)
                {
                    return job
                }
            }
            return nil
        } catch {
            logger.warning("claiming a job failed", metadata: ["error": .string(DatabaseFailure.describe(error))])
            return nil
        }
    }

    /// Runs one claimed job to its next state: succeeded, retried later, failed, cancelled or released.
    func execute(_ job: JobRecord) async {
        let lease = job.leaseOwner ?? workerID
        var logger = self.logger
        logger[metadataKey: "job_id"] = .string(job.id.uuidString.lowercased())
        logger[metadataKey: "job_kind"] = .string(job.kind)
        guard let handler = handlers[job.kind] else { return }
        if job.attempts > job.maxAttempts {
            await finish(job, .failed, result: nil, error: "the node running the last attempt stopped before it finished", logger: logger)
            return
        }
        let context = JobContext(
            job: job, worker: lease, store: store, database: database, leaseSeconds: Int64(settings.leaseSeconds),
            stepPause: settings.stepPause, logger: logger, isStopping: { self.stopping.load(ordering: .relaxed) },
            onProgress: { [stepCommitted] _, _ in stepCommitted(job) })
        do {
            let result = try await handler.run(job, context: context)
            await finish(job, .succeeded, result: result, error: nil, logger: logger)
        } catch JobInterruption.stopping {
            _ = try? await store.requeue(
                job.id, worker: lease, runAt: Microseconds.now(), error: nil, countAttempt: false, now: Microseconds.now(), logger: logger)
            metrics.jobRun(kind: job.kind, outcome: "released")
            logger.info("job released for another node (shutting down)")
        } catch let deferral as JobDeferral {
            _ = try? await store.requeue(
                job.id, worker: lease, runAt: deferral.until, error: nil, countAttempt: false, now: Microseconds.now(), logger: logger)
            metrics.jobRun(kind: job.kind, outcome: "deferred")
        } catch JobInterruption.leaseLostOrCancelled {
            if let current = try? await store.find(job.id, owner: nil, logger: logger), current.leaseOwner == lease, current.cancelRequested {
                await finish(job, .cancelled, result: nil, error: nil, logger: logger)
            } else {
                metrics.jobRun(kind: job.kind, outcome: "lease_lost")
                logger.warning("job lease lost to another node")
            }
        } catch let failure as JobFailure {
            await finish(job, .failed, result: nil, error: failure.description, logger: logger)
        } catch let error as AppError {
            await failOrRetry(job, error: error.detail, logger: logger)
        } catch {
            // The details go to this node's log; the job (which its owner can read) says only what kind of failure it was.
            logger.warning("job attempt failed", metadata: ["error": .string(DatabaseFailure.describe(error))])
            let summary = DatabaseFailure.isUnavailable(error) ? "the database was unavailable" : "an unexpected error (see the server log)"
            await failOrRetry(job, error: summary, logger: logger)
        }
    }

    private func failOrRetry(_ job: JobRecord, error: String, logger: Logger) async {
        guard job.attempts < job.maxAttempts else {
            await finish(job, .failed, result: nil, error: error, logger: logger)
            return
        }
        let delay = (handlers[job.kind]?.retrySchedule ?? settings.retry).delay(afterAttempt: job.attempts, random: Double.random(in: 0..<1))
        let now = Microseconds.now()
        _ = try? await store.requeue(
            job.id, worker: job.leaseOwner ?? workerID, runAt: now + Int64(delay * 1_000_000), error: error, countAttempt: true, now: now,
            logger: logger)
        metrics.jobRun(kind: job.kind, outcome: "retried")
        logger.warning(
            "job attempt failed; retrying", metadata: ["attempt": "\(job.attempts)", "delay_ms": "\(Int(delay * 1000))", "error": .string(error)])
    }

    private func finish(_ job: JobRecord, _ state: JobState, result: String?, error: String?, logger: Logger) async {
        do {
            try await store.finish(
                job.id, worker: job.leaseOwner ?? workerID, state: state, result: result, error: error, now: Microseconds.now(), logger: logger)
        } catch {
            logger.error("recording a job's outcome failed", metadata: ["error": .string(DatabaseFailure.describe(error))])
        }
        metrics.jobRun(kind: job.kind, outcome: state.rawValue)
        logger.info("job finished", metadata: ["state": .string(state.rawValue)])
    }

    private func refreshGauges() async {
        guard let depths = try? await store.queueDepth(logger: logger) else { return }
        let now = Microseconds.now()
        metrics.jobQueue(kinds: Array(handlers.keys), depths: depths.map { ($0.kind, $0.count, Double(now - $0.oldest) / 1_000_000) })
    }
}
