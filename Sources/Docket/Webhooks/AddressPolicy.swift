import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// The SSRF guard: which resolved addresses a webhook may connect to. Public unicast addresses pass; private,
/// loopback, link-local (cloud metadata included), shared (CGNAT), multicast, reserved and unspecified ones are refused
/// unless an operator's allow-list names them.
struct AddressPolicy: Sendable {
    let allowed: [TargetRange]

    /// Why `address` on `port` is refused, or nil when it may be reached.
    func refusal(of address: SocketAddress, port: Int) -> String? {
        guard let text = address.ipAddress else { return "not an IP address" }
        if allowed.contains(where: { $0.allows(text, port: port) }) { return nil }
        switch address {
        case .v4(let v4): return Self.refusal(ipv4: UInt32(bigEndian: v4.address.sin_addr.s_addr))
        case .v6(let v6):
            var storage = v6.address.sin6_addr
            let bytes = withUnsafeBytes(of: &storage) { Array($0) }
            return Self.refusal(ipv6: bytes)
        default: return "not an IP address"
        }
    }

    /// Why an IPv4 address (host order) is not public, or nil.
    static func refusal(ipv4 value: UInt32) -> String? {
        func within(_ network: UInt32, _ prefix: UInt32) -> Bool { value >> (32 - prefix) == network >> (32 - prefix) }
        let a = value >> 24
        if a == 0 { return "an unspecified or 'this network' address" }
        if a == 10 || within(0xAC10_0000, 12) || within(0xC0A8_0000, 16) { return "a private address" }
        if a == 127 { return "a loopback address" }
        if within(0xA9FE_0000, 16) { return "a link-local address (cloud metadata lives here)" }
        if within(0x6440_0000, 10) { return "a shared (carrier-grade NAT) address" }
        if within(0xC000_0000, 24) || within(0xC612_0000, 15) || within(0xC000_0200, 24) || within(0xC633_6400, 24)
            || within(0xCB00_7100, 24)
        {
            return "a reserved or documentation address"
        }
        if a >= 224 { return a < 240 ? "a multicast address" : "a reserved address" }
        return nil
    }

    /// Why an IPv6 address (16 bytes) is not public, or nil.
    static func refusal(ipv6 bytes: [UInt8]) -> String? {
        guard bytes.count == 16 else { return "not an IPv6 address" }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) { return bytes[15] == 1 ? "a loopback address" : "an unspecified address" }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return refusal(ipv4: bytes[12..<16].reduce(0) { $0 << 8 | UInt32($1) })  // IPv4-mapped
        }
        if bytes[0..<12].allSatisfy({ $0 == 0 }) { return "an IPv4-compatible address" }  // ::a.b.c.d (deprecated)
        if bytes[0] == 0xFF { return "a multicast address" }
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return "a link-local address" }
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0xC0 { return "a site-local address" }
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x00 && bytes[3] == 0x00 { return "a Teredo address" }
        if bytes[0] & 0xFE == 0xFC { return "a unique local (private) address" }
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8 { return "a documentation address" }
        if bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B { return "a NAT64 address" }  // also 64:ff9b:1::/48
        if bytes[0] == 0x20 && bytes[1] == 0x02 { return "a 6to4 address" }
        return nil
    }
}
