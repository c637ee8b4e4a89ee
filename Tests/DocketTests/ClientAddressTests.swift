import Testing

@testable import Docket

@Suite("Who the client is, and how many sockets it may leave unauthenticated")
struct ClientAddressTests {
    @Test("behind a trusted proxy the right-most untrusted forwarded address; otherwise the peer")
    func forwardedAddress() {
        let address = ClientAddress(trustedProxies: [IPRange("10.0.0.0/8")!])
        #expect(address.resolve(peer: "10.1.2.3", forwardedFor: ["203.0.113.9, 10.0.0.7"]) == "203.0.113.9")
        #expect(address.resolve(peer: "10.1.2.3", forwardedFor: ["198.51.100.1", "203.0.113.9"]) == "203.0.113.9")
        #expect(address.resolve(peer: "10.1.2.3", forwardedFor: []) == "10.1.2.3")
        #expect(address.resolve(peer: "192.0.2.50", forwardedFor: ["203.0.113.9"]) == "192.0.2.50", "an untrusted peer cannot claim an address")
        #expect(address.resolve(peer: nil, forwardedFor: ["203.0.113.9"]) == nil)
    }

    @Test("waiting sockets are capped per address and in all, and a released place can be taken again")
    func unauthenticatedCaps() {
        let waiting = UnauthenticatedSockets(perAddress: 2, total: 3)
        #expect(waiting.admit("a") && waiting.admit("a"))
        #expect(!waiting.admit("a"), "the address's cap")
        #expect(waiting.admit("b"))
        #expect(!waiting.admit("c"), "the node's cap")
        waiting.release("a")
        #expect(waiting.admit("c") && !waiting.admit("a"))
        waiting.release("b")
        #expect(waiting.admit("a"))
    }
}
