/// One page of a listing: the tasks, the cursor of the next page when there is one, and the total when asked for.
struct TaskPage: Sendable {
    let items: [TaskRecord]
    let limit: Int
    let nextCursor: String?
    let total: Int?
}
