/// Why an access token was refused (logged and counted, never sent to the client).
enum TokenRejection: String, Error {
    case missing, malformed
    case badSignature = "bad_signature"
    case unknownKey = "unknown_kid"
    case expired
    case notYetValid = "not_yet_valid"
    case wrongAudience = "wrong_audience"
    case inactiveUser = "inactive_user"
    case revoked
    case unknownToken = "unknown_token"
}
