import Foundation

/// A webhook's target URL, checked for shape: http or https, a host, no user info, at most 2,048 characters.
struct WebhookTarget: Sendable, Equatable {
    let url: String
    let isHTTPS: Bool
    let host: String
    let port: Int
    /// The path and query to request.
    let requestTarget: String

    /// Parses `text`, or returns why it is unusable.
    static func parse(_ text: String) -> Result<WebhookTarget, Refusal> {
        guard text.count <= 2048 else { return .failure(Refusal(message: "must be at most 2048 characters")) }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return .failure(Refusal(message: "must be an absolute http or https URL"))
        }
        guard scheme == "http" || scheme == "https" else { return .failure(Refusal(message: "must use http or https")) }
        guard var host = components.host, !host.isEmpty else { return .failure(Refusal(message: "must name a host")) }
        guard components.user == nil, components.password == nil else { return .failure(Refusal(message: "must not carry user information")) }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { return .failure(Refusal(message: "has an invalid port")) }
        var requestTarget = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { requestTarget += "?" + query }
        return .success(WebhookTarget(url: text, isHTTPS: scheme == "https", host: host.lowercased(), port: port, requestTarget: requestTarget))
    }

    /// Why a URL is unusable, said as the end of "url …".
    struct Refusal: Error, Equatable {
        let message: String
    }

    /// The `Host` header value.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return (isHTTPS && port == 443) || (!isHTTPS && port == 80) ? name : "\(name):\(port)"
    }
}
