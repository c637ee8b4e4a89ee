/// A reply that breaks the RESP2 grammar or the configured limits; the connection cannot be trusted after one.
public struct RESPProtocolError: Error, Equatable, CustomStringConvertible {
    public let reason: String

    init(_ reason: String) { self.reason = reason }

    public var description: String { "invalid RESP reply: \(reason)" }
}
