import DocketAPI
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAPIRuntime

/// `GET /api/v1/exports/{id}` (downloadExport), registered on the router directly (see `HotRoutes`): the document is
/// streamed a stored part at a time, so a download of any size holds one part in memory. The query was checked against
/// the contract by `ContractValidationMiddleware`; the errors are the generated layer's.
extension APIHandler {
    /// The download as a streamed response.
    func downloadExportResponse(_ request: Request, id: String) async throws -> Response {
        let id = try Self.sagaID(id)
        let form = FormQuery(request.uri.query ?? "")
        guard let expires = form.values(named: "expires").first.flatMap(Int64.init), let signature = form.values(named: "signature").first
        else { throw AppError(.badRequest, "The query needs expires and signature.") }
        let download = try await sagas.download(id, expires: expires, signature: signature, links: exportLinks, logger: requestLogger)
        let headers: HTTPFields = [
            .contentType: "application/json; charset=utf-8",
            .contentDisposition: "attachment; filename=\"docket-export-\(id.lowercased).json\"",
        ]
        switch download {
        case .whole(let document):
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: document)))
        case .parts(let export):
            let (sagas, logger) = (sagas, requestLogger)
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    var position: ExportDownload.Position?
                    while let (next, data) = try await sagas.exportPart(of: export, after: position, logger: logger) {
                        try await writer.write(ByteBuffer(string: data))
                        position = next
                    }
                    try await writer.finish(nil)
                })
        }
    }

    /// The generated layer's `downloadExport`: not registered (the router serves `downloadExportResponse`), so this
    /// answers the same document whole, for a caller of `APIProtocol` itself.
    func downloadExport(_ input: Operations.DownloadExport.Input) async throws -> Operations.DownloadExport.Output {
        let id = try Self.sagaID(input.path.id)
        var document: String
        switch try await sagas.download(id, expires: input.query.expires, signature: input.query.signature, links: exportLinks, logger: requestLogger)
        {
        case .whole(let whole):
            document = whole
        case .parts(let export):
            document = ""
            var position: ExportDownload.Position?
            while let (next, data) = try await sagas.exportPart(of: export, after: position, logger: requestLogger) {
                document += data
                position = next
            }
        }
        let body = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(document.utf8))
        return .ok(
            .init(
                headers: .init(contentDisposition: "attachment; filename=\"docket-export-\(id.lowercased).json\""),
                body: .json(.init(additionalProperties: body))))
    }
}
