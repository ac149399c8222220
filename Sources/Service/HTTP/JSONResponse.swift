import Hummingbird

/// Responses whose body is JSON (or NDJSON) text built by the ledger's own serialisers.
enum JSONResponse {
    static func make(status: HTTPResponse.Status = .ok, _ json: String) -> Response {
        var buffer = ByteBuffer()
        buffer.writeString(json)
        buffer.writeString("\n")
        return Response(status: status, headers: [.contentType: MediaTypes.json, .cacheControl: "no-store"], body: .init(byteBuffer: buffer))
    }
}

/// The media types the API speaks.
enum MediaTypes {
    static let json = "application/json"
    static let ndjson = "application/x-ndjson"
    static let html = "text/html; charset=utf-8"
    static let prometheus = "text/plain; version=0.0.4; charset=utf-8"
    static let css = "text/css; charset=utf-8"
    static let png = "image/png"
}
