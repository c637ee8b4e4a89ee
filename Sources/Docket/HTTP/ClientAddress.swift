/// Who the client is: the socket peer, or, when the peer is a trusted proxy, the right-most untrusted address of
/// `X-Forwarded-For` (the HTTP middleware and the WebSocket upgrade both ask it).
struct ClientAddress: Sendable {
    let trustedProxies: [IPRange]

    /// The client behind `peer`, given the request's `X-Forwarded-For` values.
    func resolve(peer: String?, forwardedFor: [String]) -> String? {
        guard let peer, isTrusted(peer), let forwarded = forwardedFor.last else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.reversed().first { !isTrusted($0) } ?? hops.first ?? forwarded
    }

    /// Whether `address` is one of the trusted proxies.
    func isTrusted(_ address: String) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }
}
