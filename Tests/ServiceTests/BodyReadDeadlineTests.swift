import Foundation
import Hummingbird
@testable import Service
import Testing

/// The body deadline without a server: one sweeper for every read, reads
/// that leave nothing behind, and a stalled body cut off within one sweep
/// interval of its deadline (the end-to-end 408 is in `HostileHTTPTests`).
@Suite("Body read deadlines")
struct BodyReadDeadlineTests {
    static func request(_ body: RequestBody) -> Request {
        Request(head: HTTPRequest(method: .post, scheme: "http", authority: "127.0.0.1", path: "/v1/events"), body: body)
    }

    @Test("complete bodies are returned whole and leave no read registered; the sweeper then stops")
    func completeBodies() async throws {
        // A deadline no loaded machine reaches: 400 ms once cut off a complete
        // body whose task waited that long for one of the two cores.
        let deadlines = BodyReadDeadlines(timeout: .seconds(30))
        for index in 0..<1_000 {
            let text = "{\"n\":\(index)}"
            let body = try await deadlines.collectBody(of: Self.request(RequestBody(buffer: ByteBuffer(string: text))))
            #expect(String(buffer: body) == text)
        }
        #expect(deadlines.registered == 0)
        // The sweeper ends at its first wake-up with nothing registered.
        let patience = ContinuousClock.now + .seconds(20)
        while deadlines.isSweeping && ContinuousClock.now < patience { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!deadlines.isSweeping)
    }

    @Test("a stalled body gets 408 requestTimeout after its deadline, within a sweep interval (plus scheduling slack)")
    func stalledBody() async throws {
        let deadlines = BodyReadDeadlines(timeout: .milliseconds(400))
        #expect(deadlines.sweepInterval == .milliseconds(100))
        // Sends a first part, then never finishes: only the deadline ends the read.
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        continuation.yield(ByteBuffer(string: "{\"type\":"))
        let started = ContinuousClock.now
        do {
            let body = try await deadlines.collectBody(of: Self.request(RequestBody(asyncSequence: stream)))
            Issue.record("a stalled body was returned: \(String(buffer: body))")
        } catch let error as APIError {
            #expect(error.status == .requestTimeout)
            #expect(error.code == "requestTimeout")
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(400))
        #expect(elapsed < .seconds(5), "cut off after \(elapsed)")
        #expect(deadlines.registered == 0)
        continuation.finish()
    }

    @Test("a body that completes before its deadline is not cut off, while another one stalls")
    func mixed() async throws {
        let deadlines = BodyReadDeadlines(timeout: .milliseconds(800))
        let (stalled, stalledContinuation) = AsyncStream<ByteBuffer>.makeStream()
        let (slow, slowContinuation) = AsyncStream<ByteBuffer>.makeStream()
        async let cutOff: Result<ByteBuffer, any Error> = {
            do { return .success(try await deadlines.collectBody(of: Self.request(RequestBody(asyncSequence: stalled)))) } catch { return .failure(error) }
        }()
        async let completed = deadlines.collectBody(of: Self.request(RequestBody(asyncSequence: slow)))
        // The second body arrives in two parts 100 ms apart, well inside its deadline.
        slowContinuation.yield(ByteBuffer(string: "[1,"))
        try await Task.sleep(for: .milliseconds(100))
        slowContinuation.yield(ByteBuffer(string: "2]"))
        slowContinuation.finish()
        #expect(String(buffer: try await completed) == "[1,2]")
        switch await cutOff {
        case .success(let body): Issue.record("the stalled body was returned: \(String(buffer: body))")
        case .failure(let error): #expect((error as? APIError)?.code == "requestTimeout", "\(error)")
        }
        #expect(deadlines.registered == 0)
        stalledContinuation.finish()
    }
}
