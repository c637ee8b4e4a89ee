#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The network a client address is rate-limited as: an IPv4 address by itself, an IPv6 address by its /64 (one host
/// or home usually holds a whole /64, so limiting by /128 would let it walk around any limit).
enum ClientNetwork {
    /// A stable key for `address`: `192.0.2.1`, `2001:db8:1:2::/64`, or `unknown`.
    static func key(for address: String?) -> String {
        guard let address, !address.isEmpty else { return "unknown" }
        guard address.contains(":") else { return address }
        var bytes = [UInt8](repeating: 0, count: 16)
        let parsed = address.withCString { text in bytes.withUnsafeMutableBytes { inet_pton(AF_INET6, text, $0.baseAddress) } }
        guard parsed == 1 else { return address.lowercased() }
        // An IPv4 client seen through a dual-stack socket (::ffff:a.b.c.d) is limited as that IPv4 address.
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return bytes[12..<16].map(String.init).joined(separator: ".")
        }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }
}
