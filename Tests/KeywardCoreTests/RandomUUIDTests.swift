import Foundation
import KeywardCore
import Testing

@Suite struct RandomUUIDTests {
    /// Version 4, RFC 4122 variant, upper-case, as `UUID().uuidString` writes one; no two alike.
    @Test func uuidsAreRandomVersionFourInTheCanonicalForm() throws {
        var seen = Set<String>()
        for _ in 0..<1000 {
            let text = RandomUUID.string()
            let parsed = try #require(UUID(uuidString: text))
            #expect(parsed.uuidString == text)
            let bytes = parsed.uuid
            #expect(bytes.6 >> 4 == 4)
            #expect(bytes.8 >> 6 == 0b10)
            seen.insert(text)
        }
        #expect(seen.count == 1000)
    }
}
