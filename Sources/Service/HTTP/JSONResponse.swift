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

    /// The media type of a Content-Type header: before any `;`, without
    /// spaces or tabs around it, lowercased (empty for an empty or
    /// parameters-only header). (Not Foundation's
    /// `trimmingCharacters`, which bridges through NSString: 2% of serve's
    /// CPU per append.)
    static func of(_ header: String) -> String {
        if header == json || header == ndjson { return header }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let bytes = header.utf8.prefix { $0 != UInt8(ascii: ";") }
        let trimmed = bytes.drop(while: isBlank).reversed().drop(while: isBlank).reversed()
        return String(decoding: trimmed, as: UTF8.self).lowercased()
    }
}
