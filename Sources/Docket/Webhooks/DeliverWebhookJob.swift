import Foundation
import Logging
import NIOCore
import SQLKit

/// Runs `deliver_webhook`: one attempt to POST a delivery's event to its endpoint, signed the Standard Webhooks way.
/// A 2xx ends it; a 410 disables the endpoint at once; any other failure is retried with backoff until the attempts
/// run out, which disables the endpoint (audited, and announced with a `webhook.disabled` event). Every attempt is
/// recorded with its status, latency and the start of the response.
struct DeliverWebhookJob: JobHandler {
    var kind: String { WebhookFanout.jobKind }
    let store: WebhookStore
    let client: WebhookClient
    let resolver: any AddressResolver
    let policy: AddressPolicy
    let timeout: Duration
    let disabler: WebhookDisabler
    let retrySchedule: RetrySchedule?
    let userAgent: String

    /// Why an attempt failed, recorded and retried.
    private struct AttemptFailed: Error {
        let reason: String
    }

    func run(_ job: JobRecord, context: JobContext) async throws -> String {
        let logger = context.logger
        guard let payload = try? JSONDecoder().decode(WebhookFanout.Payload.self, from: Data(job.payload.utf8)),
            let delivery = try await store.delivery(payload.delivery, logger: logger)
        else { throw JobFailure.permanent("the delivery no longer exists") }
        if delivery.state == "succeeded" { return #"{"state":"succeeded"}"# }
        guard let hook = try await store.find(delivery.webhookID, logger: logger) else { throw JobFailure.permanent("the webhook was deleted") }
        let store = self.store
        // Every change below is made only while this run still holds the job's lease: an attempt can outlast it (a
        // slow receiver), and by then another node may be delivering the same event.
        let setState = { @Sendable (state: String) in
            try await context.whileLeased { sql in try await store.setState(delivery.id, state, now: Microseconds.now(), on: sql) }
        }
        guard hook.enabled else {
            try await setState("failed")
            throw JobFailure.permanent("the webhook is disabled")
        }
        let started = ContinuousClock.now
        let attemptedAt = Microseconds.now()
        var status: Int?
        var excerpt: String?
        var failure: String?
        do {
            let reply = try await attempt(delivery, to: hook)
            status = reply.status
            excerpt = Self.printable(reply.body)
            if !(200..<300).contains(reply.status) { failure = "the receiver answered \(reply.status)" }
        } catch let error as AttemptFailed {
            failure = error.reason
        } catch {
            failure = "\(error)"
        }
        let elapsed = ContinuousClock.now - started
        let latency = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        do {
            try await store.record(
                WebhookAttemptRecord(
                    id: UUID(), deliveryID: delivery.id, attemptedAt: attemptedAt, statusCode: status, latencyMs: latency, error: failure,
                    responseExcerpt: excerpt),
                logger: logger)
        } catch {
            // The record of an attempt is for people; failing to keep it must not send a delivered event again.
            logger.warning("recording a webhook attempt failed", metadata: ["error": .string(DatabaseFailure.describe(error))])
        }
        guard let failure else {
            try await setState("succeeded")
            return #"{"state":"succeeded","status":\#(status ?? 0)}"#
        }
        if status == 410 || job.attempts >= job.maxAttempts {
            try await setState("failed")
            let reason =
                status == 410 ? "the receiver answered 410 Gone" : "\(job.attempts) delivery attempts failed (the last: \(failure))"
            try await disabler.disable(hook, reason: reason, logger: logger) { sql in try await context.checkLease(on: sql) }
            throw JobFailure.permanent("delivery failed; the webhook was disabled: \(reason)")
        }
        throw AppError(.serviceUnavailable, "delivery attempt \(job.attempts) failed: \(failure)")
    }

    private func attempt(_ delivery: WebhookDeliveryRecord, to hook: WebhookRecord) async throws -> WebhookClient.Reply {
        guard case .success(let target) = WebhookTarget.parse(hook.url) else { throw AttemptFailed(reason: "the URL is not usable") }
        // One deadline for the whole attempt, name resolution included, however many addresses are tried, so an
        // attempt never outlives its lease (a resolver that hangs is abandoned at the deadline).
        let deadline = ContinuousClock.now + timeout
        let addresses: [SocketAddress]
        do {
            addresses = try await Self.before(deadline) { [resolver] in try await resolver.addresses(of: target.host, port: target.port) }
        } catch {
            throw AttemptFailed(reason: "\(error)")
        }
        if let refused = addresses.lazy.compactMap({ address in self.policy.refusal(of: address, port: target.port) }).first {
            // The address itself stays out of the record: the owner learns what kind it is, not where it points inside.
            throw AttemptFailed(reason: "target address refused: \(target.host) resolves to an address that is \(refused)")
        }
        let now = Microseconds.now()
        let timestamp = now / 1_000_000
        let id = delivery.eventID.lowercased
        let body = Array(delivery.body.utf8)
        let headers = [
            ("webhook-id", id), ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", WebhookSignature.header(id: id, timestamp: timestamp, body: body, secrets: hook.signingSecrets(now: now))),
            ("User-Agent", userAgent),
        ]
        var lastError: (any Error)?
        for address in addresses {
            let left = deadline - ContinuousClock.now
            guard left > .milliseconds(100) else { break }
            do {
                return try await client.post(body, headers: headers, to: target, at: address, timeout: left)
            } catch let error as WebhookClient.Failure where error.description.hasPrefix("connection failed") {
                lastError = error
            }
        }
        throw AttemptFailed(reason: lastError.map { "\($0)" } ?? "timed out before a connection was made")
    }

    /// `work`'s result, or `AttemptFailed` once `deadline` passes first (`work` is then left to finish on its own).
    static func before<T: Sendable>(_ deadline: ContinuousClock.Instant, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome = AsyncStream<Result<T, any Error>>.makeStream()
        let worker = Task {
            do {
                outcome.continuation.yield(.success(try await work()))
            } catch {
                outcome.continuation.yield(.failure(error))
            }
        }
        let timer = Task {
            try? await Task.sleep(until: deadline)
            outcome.continuation.yield(.failure(AttemptFailed(reason: "name resolution did not finish before the attempt's deadline")))
        }
        defer {
            timer.cancel()
            worker.cancel()
            outcome.continuation.finish()
        }
        for await result in outcome.stream { return try result.get() }
        throw CancellationError()
    }

    /// The start of a response as text that every database stores: control characters (NUL included) become spaces.
    static func printable(_ text: String) -> String? {
        let cleaned = String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" ? " " : $0 }))
        return cleaned.isEmpty ? nil : cleaned
    }
}
