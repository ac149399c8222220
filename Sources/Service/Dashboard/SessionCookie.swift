import Hummingbird

/// The dashboard's session: the token itself, in the cookie `AuthMiddleware`
/// reads (`mcledger_token`). HttpOnly (no script can read it), SameSite=Strict
/// (no other site's page can send it), Path=/, and no expiry: it lasts as long
/// as the browser session, or until `POST /signout`.
enum SessionCookie {
    /// The cookie holding `token`, or nil when the token has characters a
    /// cookie value cannot carry (RFC 6265 cookie-octets).
    static func holding(_ token: String) -> Cookie? {
        try? Cookie.validated(name: AuthMiddleware.cookieName, value: token, path: "/", httpOnly: true, sameSite: .strict)
    }

    /// Tells the browser to forget the cookie.
    static var cleared: Cookie {
        Cookie(name: AuthMiddleware.cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict)
    }
}
