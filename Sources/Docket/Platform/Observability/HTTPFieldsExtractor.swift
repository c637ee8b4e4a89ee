import HTTPTypes
import Instrumentation

/// Reads W3C Trace Context (and any other propagation header a tracer asks for) from request headers.
struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from carrier: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { carrier[$0] }
    }
}
