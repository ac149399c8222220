import Foundation
import Ledger

extension BenchRun {
    /// For each client count: that many wrk connections each appending single
    /// events through `mcledger serve` (a child process, in-process projector
    /// on, as deployed) and waiting for each acknowledgement, then as many libpq
    /// connections doing one-row INSERT transactions into the plain table.
    /// Runs in a database of its own so the ledger workloads stay comparable.
    func http(clients: [Int], seconds: Double, into table: inout BenchTable) async throws(LedgerError) {
        guard let wrk = Self.which("wrk") else {
            for count in clients {
                table.add(.init(workload: "single-event appends, \(count) clients", mcledger: "not run: wrk is not installed (apt-get install wrk)"))
            }
            return
        }
        let database = "bench_http"
        try await cluster.ensureDatabase(database)
        let target = cluster.conninfo(database: database)
        let setup = try await PostgresConnection.connect(target, applicationName: "mcledger-bench")
        _ = try await Migrator().migrate(setup)
        try await setup.executeScript(BenchSQL.plainTable)
        // The cluster's processes are the postmaster's children: their CPU per operation goes into a note.
        let postmaster = try await self.postmaster()

        let token = (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
        let port = try Self.freePort()
        let script = file("append.lua")
        let refusedScript = file("append-refused.lua")
        for (path, text) in [(script, Self.wrkScript), (refusedScript, Self.refusedWrkScript)] {
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
                throw LedgerError(.internal, "cannot write \(path)")
            }
        }
        let server = try ChildProcess.start(
            [mcledger, "serve", "--host", "127.0.0.1", "--port", String(port), "--log-level", "warning"],
            errors: file("serve.err"), environment: ["MCLEDGER_DATABASE_URL": target, "MCLEDGER_TOKENS": "append \(token)"])
        var rows: [BenchTable.Row] = []
        var cpu: [String] = []
        var acknowledged = 0
        do throws(LedgerError) {
            try await Self.waitForPort(port)
            for count in clients {
                try await setup.executeScript("CHECKPOINT")
                StandardError.write("bench: \(count) HTTP clients for \(seconds) s (wrk)\n")
                let (ledger, appendsCPU) = try await CPUTimes.measure(process: server.pid, postmaster: postmaster) { () async throws(LedgerError) in
                    try await runWrk(wrk, clients: count, seconds: seconds, url: "http://127.0.0.1:\(port)/v1/events",
                                     script: script, token: token, name: "wrk-\(count)")
                }
                guard ledger.failures == 0 else {
                    throw LedgerError(.internal, "\(ledger.failures) appends through serve were not acknowledged with 201 (see \(file("wrk-\(count).txt")) and \(file("serve.err")))")
                }
                acknowledged += ledger.requests
                try await setup.executeScript("CHECKPOINT")
                StandardError.write("bench: \(count) libpq connections, one-row transactions, for \(seconds) s\n")
                let (plain, plainCPU) = try await CPUTimes.measure(postmaster: postmaster) { () async throws(LedgerError) in
                    try await Self.oneRowTransactions(target, clients: count, seconds: seconds)
                }
                let plainRate = "\(BenchFormat.grouped(Int(plain.rate.rounded()))) tx/s"
                let ratio = ledger.rate / max(plain.rate, 1)
                rows.append(.init(
                    workload: "single-event appends, \(count) clients: HTTP `serve` (wrk) vs libpq one-row INSERT transactions",
                    mcledger: "\(BenchFormat.grouped(Int(ledger.rate.rounded()))) events/s", baseline: plainRate, ratio: ratio,
                    latency: BenchFormat.milliseconds(ledger.p50, ledger.p99) + " vs " + BenchFormat.percentiles(plain.latencies),
                    target: count == 16 ? ">= 2x" : "", met: count == 16 ? ratio >= 2 : nil))
                StandardError.write("bench: \(count) HTTP clients on GET /healthz for \(seconds) s (wrk): the same serve doing no database work\n")
                let (ceiling, ceilingCPU) = try await CPUTimes.measure(process: server.pid, postmaster: postmaster) { () async throws(LedgerError) in
                    try await runWrk(wrk, clients: count, seconds: seconds, url: "http://127.0.0.1:\(port)/healthz", name: "wrk-\(count)-healthz")
                }
                guard ceiling.failures == 0 else {
                    throw LedgerError(.internal, "\(ceiling.failures) GET /healthz were not answered with 200 (see \(file("wrk-\(count)-healthz.txt")))")
                }
                StandardError.write("bench: \(count) HTTP clients posting events the parser refuses for \(seconds) s (wrk): the same serve's append route up to its database work\n")
                let (refused, refusedCPU) = try await CPUTimes.measure(process: server.pid, postmaster: postmaster) { () async throws(LedgerError) in
                    try await runWrk(wrk, clients: count, seconds: seconds, url: "http://127.0.0.1:\(port)/v1/events",
                                     script: refusedScript, token: token, name: "wrk-\(count)-refused")
                }
                // Every answer a 400 (the script writes any other status to wrk's stderr), none a 2xx, no socket errors.
                let refusedErrors = file("wrk-\(count)-refused.err")
                guard let unexpected = try? String(contentsOfFile: refusedErrors, encoding: .utf8) else {
                    throw LedgerError(.internal, "cannot read wrk's stderr \(refusedErrors)")
                }
                guard refused.socketErrors == 0, refused.non2xx == refused.requests, !unexpected.contains("unexpected status") else {
                    throw LedgerError(.internal, "the refused appends were not all answered with 400 (see \(file("wrk-\(count)-refused.txt")) and \(refusedErrors))")
                }
                cpu.append("CPU at \(count) clients (from /proc, all cores together; the rest is wrk, the kernel and other processes): appends: "
                           + appendsCPU.perOperation(ledger.requests, process: "serve", unit: "acknowledged append")
                           + "; one-row transactions: " + plainCPU.perOperation(plain.count, process: "the bench's libpq clients", unit: "transaction")
                           + "; GET /healthz: " + ceilingCPU.perOperation(ceiling.requests, process: "serve", unit: "request")
                           + "; refused appends: " + refusedCPU.perOperation(refused.requests, process: "serve", unit: "request") + ".")
                // A ceiling: requests/s on the same serve against the same one-row transactions.
                func ceilingRow(_ workload: String, _ report: WrkReport) -> BenchTable.Row {
                    .init(workload: workload, mcledger: "\(BenchFormat.grouped(Int(report.rate.rounded()))) requests/s", baseline: plainRate,
                          ratio: report.rate / max(plain.rate, 1), latency: BenchFormat.milliseconds(report.p50, report.p99))
                }
                rows.append(ceilingRow("HTTP ceiling, \(count) clients: `GET /healthz` on the same `serve` (no database work) vs the same one-row INSERT transactions", ceiling))
                rows.append(ceilingRow("HTTP ceiling with the append's own parsing, \(count) clients: `POST /v1/events` of an event the parser refuses (400, no database work) on the same `serve` vs the same one-row INSERT transactions", refused))
            }
        } catch {
            server.signal(SIGKILL)
            _ = try? await server.wait()
            throw error
        }
        server.signal(SIGTERM)
        let served = try await server.wait()
        let stored = try await setup.execute("SELECT count(*) FROM mcledger.events").int(0, 0) ?? 0
        let transactions = try await setup.execute("SELECT count(DISTINCT xmin::text) FROM mcledger.events").int(0, 0) ?? 0
        await setup.close()
        guard stored >= acknowledged else {
            throw LedgerError(.internal, "serve acknowledged \(acknowledged) appends but the ledger holds \(stored) events")
        }
        for var row in rows {
            row.peakRSS = served.peakRSS
            table.add(row)
        }
        note("HTTP: \(BenchFormat.grouped(acknowledged)) appends acknowledged with 201, \(BenchFormat.grouped(stored)) stored "
             + "(requests in flight when wrk stopped may commit unseen), in \(BenchFormat.grouped(transactions)) transactions "
             + String(format: "(%.1f events per commit); ", Double(stored) / Double(max(transactions, 1)))
             + "serve exited \(served.exitCode) on SIGTERM; peak RSS is the serve process's. "
             + "The HTTP ceiling rows are wrk's GET /healthz against the same serve with as many connections: "
             + "the least any request costs there (HTTP parsing, routing, middleware, the response, and wrk on the same cores), "
             + "so no append through serve can go faster than that row. "
             + "The refused-append rows POST the same events but with a status no event has (`\"to\":\"nowhere\"`): "
             + "the request is authenticated, its body read and parsed, and the parser's 400 answered, all before the group commit; "
             + "what an acknowledged append costs beyond that row is the database's part and the commit's.")
        cpu.forEach(note)
    }

    /// wrk with `clients` keep-alive connections (at most 2 threads) for
    /// `seconds` against `url` (with `script`, and the token in BENCH_TOKEN,
    /// if given); its report goes to NAME.txt, its stderr to NAME.err.
    func runWrk(_ wrk: String, clients: Int, seconds: Double, url: String, script: String? = nil, token: String? = nil,
                name: String) async throws(LedgerError) -> WrkReport {
        var arguments = [wrk, "-t", String(min(2, clients)), "-c", String(clients), "-d", "\(Int(seconds.rounded(.up)))s", "--latency"]
        if let script { arguments += ["-s", script] }
        _ = try await ChildProcess.run(arguments + [url], output: file("\(name).txt"), errors: file("\(name).err"),
                                       environment: token.map { ["BENCH_TOKEN": $0] } ?? [:])
        return try WrkReport(path: file("\(name).txt"))
    }

    /// Completed operations and their latencies.
    struct Measurement {
        var count = 0
        var seconds = 0.0
        var latencies: [Double] = []
        var rate: Double { Double(count) / max(seconds, 0.001) }
    }

    /// `clients` libpq connections, each doing one-row INSERT transactions (autocommit) until the time is up.
    static func oneRowTransactions(_ conninfo: String, clients: Int, seconds: Double) async throws(LedgerError) -> Measurement {
        var connections: [PostgresConnection] = []
        for _ in 0..<clients { connections.append(try await PostgresConnection.connect(conninfo, applicationName: "mcledger-bench")) }
        let deadline = Date().addingTimeInterval(seconds)
        let started = Date()
        let statement = PreparedStatement("bench_insert", BenchSQL.plainInsert)
        do {
            let results = try await withThrowingTaskGroup(of: [Double].self) { group in
                for (client, connection) in connections.enumerated() {
                    group.addTask {
                        var latencies: [Double] = []
                        var n = 0
                        while Date() < deadline {
                            n += 1
                            let begin = Date()
                            _ = try await connection.execute(statement, [
                                .text("rtEvent-bench\(clients).\(client)-\(n)"), .text(UUID().uuidString), .jsonb(BenchSQL.data(client: client, n: n)),
                            ])
                            latencies.append(Date().timeIntervalSince(begin))
                        }
                        return latencies
                    }
                }
                var all: [Double] = []
                for try await latencies in group { all += latencies }
                return all
            }
            let elapsed = Date().timeIntervalSince(started)
            for connection in connections { await connection.close() }
            return Measurement(count: results.count, seconds: elapsed, latencies: results)
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.internal, "one-row transactions: \(error)")
        }
    }

    // MARK: - Plumbing

    /// `name`'s path on PATH.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A TCP port on 127.0.0.1 that nothing listens on (asked of the kernel).
    static func freePort() throws(LedgerError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LedgerError(.internal, "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw LedgerError(.internal, "cannot find a free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits until something accepts connections on 127.0.0.1:`port` (30 s at most).
    static func waitForPort(_ port: Int) async throws(LedgerError) {
        for _ in 0..<300 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            close(fd)
            if connected { return }
            do {
                try await Task.sleep(for: .milliseconds(100))
            } catch {
                throw LedgerError(.internal, "cancelled while waiting for serve")
            }
        }
        throw LedgerError(.internal, "mcledger serve did not listen on port \(port) within 30 s")
    }

    /// wrk's script: each request appends ONE new transactional event (a new
    /// rtEvent stream, status pending) with a client-generated eventId, as a
    /// service would; any answer but 201 is counted as a failure.
    static let wrkScript = wrkScript(status: "pending", expecting: 201)

    /// The same requests with a status no event has: the parser refuses each
    /// one with 400 before it reaches the group commit.
    static let refusedWrkScript = wrkScript(status: "nowhere", expecting: 400)

    /// The script POSTing events with `to` = `status`, writing any answer but
    /// `expecting` to stderr.
    static func wrkScript(status: String, expecting: Int) -> String {
        """
        local counter = 0
        local threads = {}
        function setup(thread)
          thread:set("tid", #threads + 1)
          table.insert(threads, thread)
        end
        function init(args)
          math.randomseed(os.time() * 1000 + tid)
          token = os.getenv("BENCH_TOKEN") or ""
        end
        local function uuid()
          local t = {}
          for i = 1, 16 do t[i] = math.random(0, 255) end
          t[7] = (t[7] % 16) + 64
          t[9] = (t[9] % 64) + 128
          local h = {}
          for i = 1, 16 do h[i] = string.format("%02x", t[i]) end
          return table.concat(h, "", 1, 4) .. "-" .. table.concat(h, "", 5, 6) .. "-" .. table.concat(h, "", 7, 8) .. "-" ..
                 table.concat(h, "", 9, 10) .. "-" .. table.concat(h, "", 11, 16)
        end
        function request()
          counter = counter + 1
          local id = uuid()
          local body = '{"type":"EventStatusChanged","eventId":"' .. id ..
            '","data":{"instance":"exec-0' .. (counter % 3 + 1) .. '","eventId":"t' .. tid .. '-' .. id ..
            '","queue":"realtime","to":"\(status)","eventType":"ORDER_CONFIRMATION","channel":"email"}}'
          return wrk.format("POST", "/v1/events", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
        end
        function response(status, headers, body)
          if status ~= \(expecting) then io.stderr:write("unexpected status " .. status .. ": " .. body .. "\\n") end
        end

        """
    }
}

/// What wrk printed: requests, rate, latency percentiles, non-2xx answers, socket errors.
struct WrkReport {
    var requests = 0
    var rate = 0.0
    var p50 = 0.0
    var p99 = 0.0
    /// Answers with a status outside 2xx (wrk counts 3xx with them).
    var non2xx = 0
    var socketErrors = 0
    /// Requests that did not get a 2xx answer.
    var failures: Int { non2xx + socketErrors }

    init(path: String) throws(LedgerError) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw LedgerError(.internal, "cannot read wrk's report \(path)") }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            switch first {
            case "Requests/sec:": rate = fields.count > 1 ? Double(fields[1]) ?? 0 : 0
            case "50%": p50 = fields.count > 1 ? Self.seconds(fields[1]) : 0
            case "99%": p99 = fields.count > 1 ? Self.seconds(fields[1]) : 0
            case "Non-2xx": non2xx += Int(fields.last ?? "") ?? 0
            case "Socket": // "Socket errors: connect 0, read 0, write 0, timeout 0"
                socketErrors += fields.compactMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: ","))) }.reduce(0, +)
            default:
                if fields.count > 2, fields[1] == "requests", fields[2] == "in" { requests = Int(first) ?? 0 }
            }
        }
        guard rate > 0 else { throw LedgerError(.internal, "wrk reported no requests (see \(path)): \(text.prefix(500))") }
    }

    /// wrk's "2.97ms", "850.00us", "1.20s" in seconds.
    static func seconds(_ text: Substring) -> Double {
        for (unit, scale) in [("us", 1e-6), ("ms", 1e-3), ("s", 1.0)] where text.hasSuffix(unit) {
            return (Double(text.dropLast(unit.count)) ?? 0) * scale
        }
        return Double(text) ?? 0
    }
}
