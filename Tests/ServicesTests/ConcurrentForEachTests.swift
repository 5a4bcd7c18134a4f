import Services
import Synchronization
import Testing

@Suite struct ConcurrentForEachTests {
    private struct Failed: Error, Equatable { let element: Int }

    /// Elements in flight now and at most, and those that ran.
    private final class Tally: Sendable {
        private let state = Mutex((now: 0, most: 0, ran: [Int]()))
        func enter() { state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
        func leave(_ element: Int) { state.withLock { $0.now -= 1; $0.ran.append(element) } }
        var most: Int { state.withLock { $0.most } }
        var ran: [Int] { state.withLock { $0.ran.sorted() } }
    }

    @Test func runsSeveralAtOnceButNeverMoreThanTheWidth() async throws {
        let tally = Tally()
        try await Array(0..<24).concurrentForEach(width: 4) { element in
            tally.enter()
            try await Task.sleep(for: .milliseconds(20))
            tally.leave(element)
        }
        #expect(tally.ran == Array(0..<24))
        #expect(tally.most == 4)
    }

    @Test func everyElementIsTriedAndTheEarliestFailureIsThrown() async throws {
        let tally = Tally()
        await #expect(throws: Failed(element: 3)) {
            try await Array(0..<10).concurrentForEach(width: 3) { element in
                tally.enter()
                // The later failure ends first: the earlier element's is still the one reported.
                try await Task.sleep(for: .milliseconds(element == 3 ? 60 : 5))
                tally.leave(element)
                if element == 3 || element == 7 { throw Failed(element: element) }
            }
        }
        #expect(tally.ran == Array(0..<10))
    }
}
