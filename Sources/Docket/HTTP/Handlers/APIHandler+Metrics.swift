import DocketAPI
import OpenAPIRuntime

extension APIHandler {
    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        guard serverSettings.metricsEnabled else { throw AppError.notFound("Metrics are disabled on this node.") }
        guard let expected = serverSettings.metricsToken else {
            if let address = serverSettings.metricsAddress {
                throw AppError.notFound("Metrics are served on the metrics listener (\(address.host):\(address.port)), not here.")
            }
            throw AppError.forbidden(
                "Metrics are not public: set DOCKET_METRICS_TOKEN (then send it as a bearer token) or DOCKET_METRICS_ADDRESS (a separate listener).")
        }
        let presented = try request.head.headerFields[.authorization] ?? ""
        guard SecureToken.constantTimeEquals("Bearer \(expected)", presented) else {
            throw AppError.unauthorized("Metrics need the configured bearer token.", invalidToken: !presented.isEmpty)
        }
        return .ok(.init(body: .plainText(HTTPBody(metrics.render()))))
    }
}
