/// Limit/offset validation shared by every paged listing.
enum Paging {
    static func validate(limit: Int?, offset: Int?) throws -> (Int, Int) {
        let limit = limit ?? 20
        let offset = offset ?? 0
        var errors: [FieldError] = []
        if !(1...100).contains(limit) { errors.append(FieldError(pointer: "#/query/limit", message: "must be from 1 to 100")) }
        if offset < 0 || offset > 1_000_000 { errors.append(FieldError(pointer: "#/query/offset", message: "must be from 0 to 1000000")) }
        try CredentialRules.check(errors)
        return (limit, offset)
    }
}
