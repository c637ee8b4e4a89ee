import DocketAPI
import OpenAPIRuntime

extension APIHandler {
    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        guard serverSettings.metricsEnabled else { throw AppError.notFound("Metrics are disabled on this node.") }
        guard let expected = serverSettings.metricsToken else {
            // Where the listener is stays unsaid: it is meant to be reachable only from the operator's network.
            if serverSettings.metricsAddress != nil { throw AppError.notFound("Metrics are not served on this listener.") }
            throw AppError.forbidden(
                "Metrics are not public: set DOCKET_METRICS_TOKEN (then send it as a bearer token) or DOCKET_METRICS_ADDRESS (a separate listener).")
        }
        let presented = try request.head.headerFields[.authorization] ?? ""
        // Digests of equal length are compared, so the time taken says nothing about the token's length either.
        guard SecureToken.constantTimeEquals(SecureToken.hash("Bearer \(expected)"), SecureToken.hash(presented)) else {
            throw AppError.unauthorized("Metrics need the configured bearer token.", invalidToken: !presented.isEmpty)
        }
        return .ok(.init(body: .plainText(HTTPBody(metrics.render()))))
    }
}
