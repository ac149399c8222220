import Hummingbird

/// The dashboard's responses: HTML pages and redirects, each with headers
/// that keep the page to its own origin (no script, style, image or frame
/// from anywhere else, never framed, never cached, no referrer sent).
enum HTMLResponse {
    /// Sent with every dashboard response.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        HTMLResponse.referrerPolicy: "no-referrer",
        .cacheControl: "no-store",
    ]

    /// `Referrer-Policy` (not among HTTPTypes' named fields).
    static let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy")!

    /// `html` as a complete page.
    static func page(_ html: HTML, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers = securityHeaders
        headers[.contentType] = MediaTypes.html
        for field in extra { headers.append(field) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html.rendered)))
    }

    /// 303 See Other to `location` (a path of this server), optionally setting a cookie.
    static func seeOther(_ location: String, cookie: Cookie? = nil) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        var response = Response(status: .seeOther, headers: headers)
        if let cookie { response.setCookie(cookie) }
        return response
    }
}
