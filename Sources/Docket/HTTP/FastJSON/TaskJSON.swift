import Foundation
import HTTPTypes
import Hummingbird

/// The `Task` and `TaskPage` schemas written with `JSONBufferWriter`, keys sorted (the order every other answer
/// has), absent optionals left out (as the generated Codable layer does). `FastJSONTests` holds them equal to the
/// generated encoding: the same JSON value with its keys in the same order.
enum TaskJSON {
    /// One task as its JSON object.
    static func task(_ task: TaskRecord) -> ByteBuffer {
        var writer = JSONBufferWriter(capacity: 384)
        write(task, into: &writer)
        return writer.buffer
    }

    /// A page of tasks as its JSON object.
    static func page(_ page: TaskPage) -> ByteBuffer {
        var writer = JSONBufferWriter(capacity: 96 + page.items.count * 384)
        writer.object { writer in
            writer.array("items") { writer in
                for task in page.items { write(task, into: &writer) }
            }
            writer.member("limit", page.limit)
            if let cursor = page.nextCursor { writer.member("next_cursor", cursor) }
            if let total = page.total { writer.member("total", total) }
        }
        return writer.buffer
    }

    /// A 200 (or `status`) response carrying `body` as `application/json`.
    static func response(_ status: HTTPResponse.Status = .ok, body: ByteBuffer, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    private static func write(_ task: TaskRecord, into writer: inout JSONBufferWriter) {
        writer.object { writer in
            if let completedAt = task.completedAt { writer.member("completed_at", timestamp: seconds(completedAt)) }
            writer.member("created_at", timestamp: seconds(task.createdAt))
            if let description = task.description { writer.member("description", description) }
            if let dueDate = task.dueDate { writer.member("due_date", dueDate) }
            writer.member("id", uuid: UUIDText(uuid: task.id.uuid))
            writer.member("priority", task.priority.rawValue)
            writer.member("status", task.status.rawValue)
            writer.member("title", task.title)
            writer.member("updated_at", timestamp: seconds(task.updatedAt))
            writer.member("user_id", uuid: UUIDText(uuid: task.userID.uuid))
            writer.member("version", task.version)
        }
    }

    /// Whole seconds (rounded down) of a microsecond timestamp, as the date transcoder writes them.
    private static func seconds(_ microseconds: Int64) -> Int64 {
        microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
    }
}
