import HTTPTypes

extension HTTPField.Name {
    static let rateLimitPolicy = HTTPField.Name("RateLimit-Policy")!
    static let rateLimit = HTTPField.Name("RateLimit")!
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let strictTransportSecurity = HTTPField.Name("Strict-Transport-Security")!
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let xForwardedProto = HTTPField.Name("X-Forwarded-Proto")!
}

extension HTTPField.Name {
    /// `X-Request-ID`.
    static let xRequestID = HTTPField.Name("X-Request-ID")!
    /// W3C Trace Context `traceparent`.
    static let traceparent = HTTPField.Name("traceparent")!
}
