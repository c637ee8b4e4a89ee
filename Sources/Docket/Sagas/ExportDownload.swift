import Foundation

/// What a claimed export download reads: the whole document of an export stored before exports were kept in parts, or
/// the parts of export `id`, read one at a time (`SagaService.exportPart(of:after:)`).
enum ExportDownload: Sendable {
    case whole(String)
    case parts(UUID)

    /// Where a download stands among an export's parts.
    struct Position: Sendable {
        let section: Int
        let part: Int
    }
}
