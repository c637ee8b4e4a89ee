/// libargon2 refused to hash (it only does for invalid parameters or out of memory).
struct PasswordHashingError: Error {
    let code: Int32
}
