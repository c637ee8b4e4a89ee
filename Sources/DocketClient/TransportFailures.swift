import Foundation
import HTTPTypes
import OpenAPIRuntime

#if canImport(Darwin)
    import OpenAPIURLSession
#else
    import OpenAPIAsyncHTTPClient
#endif

extension DocketClient {
    /// The platform's transport: AsyncHTTPClient's shared client on Linux, URLSession on Apple platforms.
    public static func platformTransport() -> any ClientTransport {
        #if canImport(Darwin)
            URLSessionTransport()
        #else
            AsyncHTTPClientTransport(configuration: .init(client: .shared, timeout: .seconds(30)))
        #endif
    }
}

/// Wraps the transport so that everything it fails with — sending, or later while the answer's body streams in —
/// arrives as `DocketClientError.transport`: the one kind of failure a retry (an idempotent create, the feed's
/// resume) may follow. Everything else the generated layer throws is an answer the contract does not describe.
struct TransportFailureMarker: ClientTransport {
    let base: any ClientTransport

    func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await Self.marking { try await base.send(request, body: body, baseURL: baseURL, operationID: operationID) }
        guard let responseBody else { return (response, nil) }
        return (
            response,
            HTTPBody(MarkedChunks(base: responseBody), length: responseBody.length, iterationBehavior: responseBody.iterationBehavior)
        )
    }

    static func marking<Value>(_ work: () async throws -> Value) async throws -> Value {
        do {
            return try await work()
        } catch let error as CancellationError {
            throw error
        } catch let error as DocketClientError {
            throw error
        } catch {
            throw DocketClientError.transport(underlying: error)
        }
    }

    /// A response body whose read failures are transport failures.
    struct MarkedChunks: AsyncSequence, Sendable {
        typealias Element = HTTPBody.ByteChunk
        let base: HTTPBody

        func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator()) }

        struct Iterator: AsyncIteratorProtocol {
            var base: HTTPBody.Iterator

            mutating func next() async throws -> HTTPBody.ByteChunk? {
                var base = self.base
                defer { self.base = base }
                return try await TransportFailureMarker.marking { try await base.next() }
            }
        }
    }
}
