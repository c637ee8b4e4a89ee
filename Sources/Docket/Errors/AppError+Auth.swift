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

extension AppError {
    /// A 403 for a personal access token without the scope an operation needs (RFC 6750 §3.1).
    static func insufficientScope(_ scope: TokenScope) -> AppError {
        AppError(
            .forbidden, "This personal access token lacks the scope \(scope.rawValue).",
            headers: [.wwwAuthenticate: #"Bearer error="insufficient_scope", scope="\#(scope.rawValue)""#])
    }

    /// A 403 for a personal access token on an account-management endpoint.
    static let sessionRequired = AppError(
        .forbidden, "Personal access tokens cannot manage the account; sign in and use the session's access token.")
}
