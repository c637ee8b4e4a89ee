import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Resolves a host name to every address it has (IPv4 and IPv6) with the system resolver, off the event loops.
struct HostResolver: Sendable {
    let threadPool: NIOThreadPool

    /// All addresses of `host` with `port`; an IP literal resolves to itself. Throws when the name does not resolve.
    func addresses(of host: String, port: Int) async throws -> [SocketAddress] {
        try await threadPool.runIfActive {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &list)
            guard status == 0, let first = list else { throw ResolutionFailure(host: host) }
            defer { freeaddrinfo(list) }
            var addresses: [SocketAddress] = []
            var cursor: UnsafeMutablePointer<addrinfo>? = first
            while let entry = cursor {
                if let address = entry.pointee.ai_addr {
                    switch entry.pointee.ai_family {
                    case AF_INET:
                        let v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                        addresses.append(SocketAddress(v4, host: host))
                    case AF_INET6:
                        let v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                        addresses.append(SocketAddress(v6, host: host))
                    default: break
                    }
                }
                cursor = entry.pointee.ai_next
            }
            guard !addresses.isEmpty else { throw ResolutionFailure(host: host) }
            return addresses
        }
    }

    /// A host name that did not resolve.
    struct ResolutionFailure: Error, CustomStringConvertible {
        let host: String
        var description: String { "the host name \(host) did not resolve" }
    }
}
