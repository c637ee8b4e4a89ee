import DocketAPI
import OpenAPIRuntime

extension APIHandler {
    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        guard serverSettings.metricsEnabled else { throw AppError.notFound("Metrics are disabled on this node.") }
        if let expected = serverSettings.metricsToken {
            let presented = try request.head.headerFields[.authorization] ?? ""
            guard SecureToken.constantTimeEquals("Bearer \(expected)", presented) else {
                throw AppError.unauthorized("Metrics need the configured bearer token.", invalidToken: !presented.isEmpty)
            }
        }
        return .ok(.init(body: .plainText(HTTPBody(metrics.render()))))
    }
}
