import Foundation
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Resolves a host name to every address it has (IPv4 and IPv6) with the system resolver, on threads of its own (a
/// slow name server must not hold the threads SQLite's blocking calls run on).
struct HostResolver: AddressResolver {
    let threads: LazyThreadPool

    /// All addresses of `host` with `port`; an IP literal resolves to itself. Throws when the name does not resolve.
    func addresses(of host: String, port: Int) async throws -> [SocketAddress] {
        try await threads.pool.runIfActive {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &list)
            guard status == 0, let first = list else { throw ResolutionFailure(host: host, temporary: status == EAI_AGAIN) }
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
            guard !addresses.isEmpty else { throw ResolutionFailure(host: host, temporary: false) }
            return addresses
        }
    }

    /// A host name that did not resolve.
    struct ResolutionFailure: Error, CustomStringConvertible {
        let host: String
        /// The resolver could not answer now (try again), rather than "no such name".
        let temporary: Bool
        var description: String { temporary ? "the host name \(host) could not be resolved just now" : "the host name \(host) did not resolve" }
    }
}

/// A thread pool started when first used (most processes never resolve a webhook's host).
final class LazyThreadPool: Sendable {
    private let threads: Int
    private let started = Mutex<NIOThreadPool?>(nil)

    init(threads: Int) {
        self.threads = threads
    }

    /// The pool, started now if it was not yet.
    var pool: NIOThreadPool {
        started.withLock { pool in
            if let pool { return pool }
            let fresh = NIOThreadPool(numberOfThreads: threads)
            fresh.start()
            pool = fresh
            return fresh
        }
    }
}
