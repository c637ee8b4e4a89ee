import Foundation
import Instrumentation
import Synchronization
import Tracing

@testable import Docket

/// An in-memory tracer that keeps every span it makes, reads W3C `traceparent`, and links children to parents, so
/// tests can check which spans a request produced without an exporter.
final class RecordingTracer: Tracer, Sendable {
    private let spans = Mutex<[RecordedSpan]>([])

    /// Every span started so far, in start order.
    var recorded: [RecordedSpan] { spans.withLock { $0 } }

    /// Request tracing through this tracer (nothing to export, so no services).
    var tracing: RequestTracing {
        RequestTracing(tracer: self, traceID: { $0[RecordedSpanIdentity.Key.self]?.traceID }, services: [])
    }

    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> InstrumentationContext, ofKind kind: SpanKind, at instant: @autoclosure () -> Instant,
        function: String, file fileID: String, line: UInt
    ) -> RecordedSpan {
        let parent = context()[RecordedSpanIdentity.Key.self]
        let identity = RecordedSpanIdentity(traceID: parent?.traceID ?? Self.randomHex(16), spanID: Self.randomHex(8))
        var spanContext = context()
        spanContext[RecordedSpanIdentity.Key.self] = identity
        let span = RecordedSpan(name: operationName, kind: kind, identity: identity, parentSpanID: parent?.spanID, context: spanContext)
        spans.withLock { $0.append(span) }
        return span
    }

    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout InstrumentationContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        guard let header = extractor.extract(key: "traceparent", from: carrier) else { return }
        let parts = header.split(separator: "-")
        guard parts.count == 4 else { return }
        context[RecordedSpanIdentity.Key.self] = RecordedSpanIdentity(traceID: String(parts[1]), spanID: String(parts[2]))
    }

    func inject<Carrier, Inject: Injector>(_ context: InstrumentationContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {}

    func forceFlush() {}

    private static func randomHex(_ bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}

/// Which trace a recorded span belongs to, and its own ID.
struct RecordedSpanIdentity: Sendable {
    let traceID: String
    let spanID: String

    /// Where the identity lives in an `InstrumentationContext`.
    enum Key: InstrumentationContextKey { typealias Value = RecordedSpanIdentity }
}

/// A span kept in memory: its name, kind, attributes, status, parent and whether it ended.
final class RecordedSpan: Span, Sendable {
    let kind: SpanKind
    let identity: RecordedSpanIdentity
    let parentSpanID: String?
    let context: InstrumentationContext
    private let state: Mutex<State>

    private struct State {
        var name: String
        var attributes: SpanAttributes = [:]
        var status: SpanStatus?
        var errors: [String] = []
        var ended = false
    }

    init(name: String, kind: SpanKind, identity: RecordedSpanIdentity, parentSpanID: String?, context: InstrumentationContext) {
        self.kind = kind
        self.identity = identity
        self.parentSpanID = parentSpanID
        self.context = context
        self.state = Mutex(State(name: name))
    }

    var operationName: String {
        get { state.withLock { $0.name } }
        set { state.withLock { $0.name = newValue } }
    }

    var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { $0.attributes = newValue } }
    }

    var status: SpanStatus? { state.withLock { $0.status } }
    var ended: Bool { state.withLock { $0.ended } }
    var isRecording: Bool { !ended }

    func setStatus(_ status: SpanStatus) { state.withLock { $0.status = status } }
    func addEvent(_ event: SpanEvent) {}
    func addLink(_ link: SpanLink) {}

    func recordError<Instant: TracerInstant>(_ error: Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        state.withLock { $0.errors.append(String(describing: error)) }
    }

    func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) { state.withLock { $0.ended = true } }
}
