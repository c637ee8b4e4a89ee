import Foundation

/// What a JSON-RPC message is, as far as routing it needs: a request (with its id), a notification, or a response.
enum MCPMessageKind: Equatable {
    case request(id: String, method: String)
    case notification(method: String)
    case response(id: String)

    /// Classifies one JSON-RPC message; nil for anything else (a batch, or not JSON-RPC).
    init?(_ data: Data) {
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        let id: String? = (json["id"] as? String) ?? (json["id"] as? Int).map(String.init)
        if let method = json["method"] as? String {
            self = id.map { .request(id: $0, method: method) } ?? .notification(method: method)
        } else if json["result"] != nil || json["error"] != nil, let id {
            self = .response(id: id)
        } else {
            return nil
        }
    }

    /// Whether this is the `initialize` request.
    var isInitialize: Bool {
        if case .request(_, "initialize") = self { return true }
        return false
    }
}
