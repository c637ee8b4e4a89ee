/// Who and where a request came from, for audit rows.
struct RequestOrigin: Sendable {
    let ip: String?
    let userAgent: String?
    let requestID: String?
}
