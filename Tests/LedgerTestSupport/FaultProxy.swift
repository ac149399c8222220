import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy between libpq and the test cluster's Unix socket that can
/// break a connection at an exact point of the PostgreSQL wire protocol.
///
/// It reads both directions message by message (protocol 3; connect with
/// `sslmode=disable gssencmode=disable`, which `conninfo(database:)` does),
/// so a fault fires at a message boundary, deterministically:
/// - `dropCommitRequest`: the client's COMMIT is not forwarded and the
///   connection is cut: the server never commits (it rolls back on EOF);
/// - `dropCommitReply`: the COMMIT reaches the server, which commits, and the
///   connection is cut instead of forwarding the reply: committed, ack lost.
/// A fault is armed for the next COMMIT only, on any connection or on the
/// n-th one the proxy accepted (0 the first): a client with two connections
/// sends both COMMITs at once, and which one the proxy reads first is a
/// race. `refuse(true)` cuts every connection and closes each new one at
/// once (the database "went away").
public final class FaultProxy: @unchecked Sendable {
    public enum Fault: Sendable {
        case dropCommitRequest
        case dropCommitReply
        /// As `dropCommitRequest`, but only the client's side is cut: the
        /// server's session stays open, idle in its transaction and holding
        /// its locks (a half-open connection, as after a network partition).
        case dropCommitRequestHalfOpen
    }

    /// The loopback TCP port the proxy listens on.
    public let port: Int
    private let socketPath: String
    private let listener: Int32
    private let lock = NSLock()
    // Guarded by `lock`.
    private var armed: Fault?
    /// The connection `armed` is for (nil: any).
    private var armedConnection: Int?
    private var accepted = 0
    private var refusing = false
    private var links: [ObjectIdentifier: Link] = [:]
    private var firedCount = 0
    private var stopped = false

    /// Proxies to the PostgreSQL Unix socket of `cluster` (port 5432 in its home).
    public convenience init(cluster home: URL) throws {
        try self.init(unixSocket: home.appendingPathComponent(".s.PGSQL.5432").path)
    }

    public init(unixSocket path: String) throws {
        socketPath = path
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProxyError("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw ProxyError("bind/listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "fault-proxy-accept"
        thread.start()
    }

    /// A libpq conninfo for `database` through the proxy.
    public func conninfo(database: String) -> String {
        "host=127.0.0.1 port=\(port) user=postgres dbname='\(database)' sslmode=disable gssencmode=disable connect_timeout=5"
    }

    /// Arms `fault` for the next COMMIT that passes through the proxy, on
    /// the `connection`-th connection accepted (0 the first) or, nil, on any.
    public func arm(_ fault: Fault, connection: Int? = nil) {
        lock.lock()
        armed = fault
        armedConnection = connection
        lock.unlock()
    }

    /// How many armed faults have fired.
    public var fired: Int {
        lock.lock()
        defer { lock.unlock() }
        return firedCount
    }

    /// true: cut every connection and close new ones at once; false: proxy again.
    public func refuse(_ refuse: Bool) {
        lock.lock()
        refusing = refuse
        let current = Array(links.values)
        lock.unlock()
        if refuse { current.forEach { $0.cut() } }
    }

    /// Cuts every open connection (new ones are still accepted).
    public func cutAll() {
        lock.lock()
        let current = Array(links.values)
        lock.unlock()
        current.forEach { $0.cut() }
    }

    /// Stops listening and cuts every connection.
    public func stop() {
        lock.lock()
        stopped = true
        let current = Array(links.values)
        lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        current.forEach {
            $0.cut()
            shutdown($0.server, Int32(SHUT_RDWR)) // half-open ones too
        }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            lock.lock()
            let refuseNow = refusing || stopped
            lock.unlock()
            if refuseNow {
                close(client)
                continue
            }
            guard let server = connectUnix(socketPath) else {
                close(client)
                continue
            }
            lock.lock()
            let link = Link(client: client, server: server, ordinal: accepted)
            accepted += 1
            links[ObjectIdentifier(link)] = link
            lock.unlock()
            link.start(proxy: self)
        }
    }

    fileprivate func finished(_ link: Link) {
        lock.lock()
        links[ObjectIdentifier(link)] = nil
        lock.unlock()
    }

    /// The armed fault `message` (from the client when `fromClient`, on the
    /// `connection`-th connection) trips, if any; disarms it.
    fileprivate func trips(_ message: ArraySlice<UInt8>, fromClient: Bool, connection: Int) -> Fault? {
        guard let type = message.first else { return nil }
        let fault: Fault
        if fromClient {
            guard type == UInt8(ascii: "P") || type == UInt8(ascii: "Q") else { return nil }
            // Parse: name\0 query\0 ...; Query: query\0.
            var body = message.dropFirst(5)
            if type == UInt8(ascii: "P"), let end = body.firstIndex(of: 0) { body = body[(end + 1)...] }
            let query = String(decoding: body.prefix { $0 != 0 }, as: UTF8.self)
            guard query.trimmingCharacters(in: .whitespacesAndNewlines).uppercased() == "COMMIT" else { return nil }
            lock.lock()
            fault = armed == .dropCommitRequestHalfOpen ? .dropCommitRequestHalfOpen : .dropCommitRequest
            lock.unlock()
        } else {
            guard type == UInt8(ascii: "C") else { return nil }
            let tag = String(decoding: message.dropFirst(5).prefix { $0 != 0 }, as: UTF8.self)
            guard tag == "COMMIT" else { return nil }
            fault = .dropCommitReply
        }
        lock.lock()
        defer { lock.unlock() }
        guard armed == fault, armedConnection == nil || armedConnection == connection else { return nil }
        armed = nil
        firedCount += 1
        return fault
    }
}

/// One proxied connection: two pumps, one per direction.
private final class Link: @unchecked Sendable {
    let client: Int32
    let server: Int32
    /// Which connection the proxy accepted this is (0 the first).
    let ordinal: Int
    private let lock = NSLock()
    private var pumpsRunning = 2
    private var isCut = false
    /// Set by a half-open fault: `cut()` leaves the server's side open.
    private var keepServer = false

    init(client: Int32, server: Int32, ordinal: Int) {
        self.client = client
        self.server = server
        self.ordinal = ordinal
    }

    func start(proxy: FaultProxy) {
        for fromClient in [true, false] {
            let thread = Thread { [self] in
                pump(from: fromClient ? client : server, to: fromClient ? server : client, fromClient: fromClient, proxy: proxy)
                cut()
                lock.lock()
                pumpsRunning -= 1
                let last = pumpsRunning == 0
                lock.unlock()
                if last {
                    close(client)
                    close(server)
                    proxy.finished(self)
                }
            }
            thread.name = "fault-proxy-pump"
            thread.start()
        }
    }

    /// Shuts both sockets down (the pumps then end and close them). Idempotent.
    func cut() {
        lock.lock()
        let first = !isCut
        isCut = true
        let keep = keepServer
        lock.unlock()
        guard first else { return }
        shutdown(client, Int32(SHUT_RDWR))
        if !keep { shutdown(server, Int32(SHUT_RDWR)) }
    }

    func cutClientOnly() {
        lock.lock()
        keepServer = true
        lock.unlock()
        cut()
    }

    private func pump(from source: Int32, to destination: Int32, fromClient: Bool, proxy: FaultProxy) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        // The client's first message (startup) has no type byte.
        var untyped = fromClient
        while true {
            let count = chunk.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count <= 0 { return }
            buffer.append(contentsOf: chunk[0..<count])
            var start = 0
            while true {
                let header = untyped ? 4 : 5
                guard buffer.count - start >= header else { break }
                let lengthAt = untyped ? start : start + 1
                let length = Int(buffer[lengthAt]) << 24 | Int(buffer[lengthAt + 1]) << 16 | Int(buffer[lengthAt + 2]) << 8 | Int(buffer[lengthAt + 3])
                let total = (untyped ? 0 : 1) + length
                guard length >= 4, buffer.count - start >= total else { break }
                let message = buffer[start..<(start + total)]
                if !untyped, let fault = proxy.trips(message, fromClient: fromClient, connection: ordinal) {
                    if fault == .dropCommitRequestHalfOpen { cutClientOnly() }
                    return
                }
                untyped = false
                guard writeAll(destination, message) else { return }
                start += total
            }
            buffer.removeFirst(start)
        }
    }
}

private func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
    var offset = bytes.startIndex
    while offset < bytes.endIndex {
        // MSG_NOSIGNAL: a peer that was cut must not raise SIGPIPE in the test process.
        let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if written < 0 && errno == EINTR { continue }
        if written <= 0 { return false }
        offset += written
    }
    return true
}

private func connectUnix(_ path: String) -> Int32? {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let capacity = MemoryLayout.size(ofValue: address.sun_path)
    guard path.utf8.count < capacity else {
        close(fd)
        return nil
    }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        raw[path.utf8.count] = 0
    }
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard connected == 0 else {
        close(fd)
        return nil
    }
    return fd
}

/// The proxy could not start.
public struct ProxyError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
