import Foundation
import JWTKit

/// The claims of a Docket access token.
struct AccessTokenClaims: JWTPayload {
    var sub: SubjectClaim
    var iss: IssuerClaim
    var aud: AudienceClaim
    var iat: IssuedAtClaim
    var nbf: NotBeforeClaim
    var exp: ExpirationClaim
    var jti: IDClaim
    var role: String
    /// The sign-in session (refresh-token family) the token belongs to; ending the session ends the token.
    var sid: String

    /// Signature checks happen in JWTKit; time, issuer and audience in `AccessTokens.verify` (which knows the leeway).
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
