import Foundation

/// An IPv4 or IPv6 address, or an IPv4 CIDR block.
public struct IPRange: Sendable, Equatable {
    let text: String
    let network: UInt32?
    let prefix: Int

    /// Parses `10.0.0.0/8`, `127.0.0.1` or an IPv6 address (exact match).
    init?(_ text: String) {
        let parts = text.split(separator: "/")
        if let address = IPRange.ipv4(String(parts[0])) {
            let prefix = parts.count == 2 ? Int(parts[1]) : 32
            guard let prefix, (0...32).contains(prefix), parts.count <= 2 else { return nil }
            self.text = text
            self.network = prefix == 0 ? 0 : address & ~UInt32(0) << (32 - prefix)
            self.prefix = prefix
        } else if parts.count == 1, text.contains(":") {
            self.text = text.lowercased()
            self.network = nil
            self.prefix = 128
        } else {
            return nil
        }
    }

    /// Whether `address` lies in this range.
    func contains(_ address: String) -> Bool {
        guard let network else { return address.lowercased() == text }
        guard let value = IPRange.ipv4(address) else { return false }
        return prefix == 0 || value & ~UInt32(0) << (32 - prefix) == network
    }

    static func ipv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard let number = UInt32(octet), number <= 255 else { return nil }
            value = value << 8 | number
        }
        return value
    }
}
