import NIOCore

/// Turns a webhook target's host name into the addresses it has: the system resolver (`HostResolver`) in a server, a
/// fixed table in tests that change a name's answer between a webhook's save and its delivery.
protocol AddressResolver: Sendable {
    /// All addresses of `host` with `port`; throws when the name does not resolve (`HostResolver.ResolutionFailure`).
    func addresses(of host: String, port: Int) async throws -> [SocketAddress]
}
