/// A position on the broker's stream: a Redis entry id (`<milliseconds>-<sequence>`), ordered as Redis orders them.
/// Ids grow with Redis's clock, also across a flush or a restart that recreated the stream.
struct BrokerPosition: Sendable, Comparable, CustomStringConvertible {
    let milliseconds: UInt64
    let sequence: UInt64

    /// Before every entry.
    static let start = BrokerPosition(milliseconds: 0, sequence: 0)

    init(milliseconds: UInt64, sequence: UInt64) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    /// Reads `<milliseconds>-<sequence>`; nil for anything else.
    init?(_ id: String) {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let milliseconds = UInt64(parts[0]), let sequence = UInt64(parts[1]) else { return nil }
        self.init(milliseconds: milliseconds, sequence: sequence)
    }

    var description: String { "\(milliseconds)-\(sequence)" }

    static func < (lhs: BrokerPosition, rhs: BrokerPosition) -> Bool {
        (lhs.milliseconds, lhs.sequence) < (rhs.milliseconds, rhs.sequence)
    }
}
