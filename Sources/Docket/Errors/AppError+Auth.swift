import HTTPTypes

extension AppError {
    /// A 401 with the `WWW-Authenticate` challenge RFC 6750 asks for.
    static func unauthorized(_ detail: String, invalidToken: Bool = false) -> AppError {
        let challenge = invalidToken ? #"Bearer error="invalid_token""# : "Bearer"
        return AppError(.unauthorized, detail, headers: [.wwwAuthenticate: challenge])
    }

    /// A 403 for a signed-in caller who may not do this.
    static func forbidden(_ detail: String) -> AppError { AppError(.forbidden, detail) }
}
