import Dialects
import Foundation
import Testing

@Suite struct JSONValueTests {
    private func text(_ value: JSONValue) -> String { String(decoding: value.serialized, as: UTF8.self) }

    @Test func stringsAreEscapedAsJSONRequiresAndTheRestIsCopiedAsIs() {
        #expect(text(.string("plain ssh-ed25519 AAAA/+=")) == #""plain ssh-ed25519 AAAA/+=""#)
        #expect(text(.string("a\"b\\c\nd\re\tf")) == #""a\"b\\c\nd\re\tf""#)
        #expect(text(.string("\u{01}x\u{1F}")) == #""\u0001x\u001f""#)
        #expect(text(.string("\"")) == #""\"""#)
        #expect(text(.string("")) == #""""#)
        #expect(text(.string("é中🔑")) == "\"é中🔑\"")
    }

    @Test func everyStringReadsBackAsItWasThroughAJSONParser() throws {
        var samples = ["", "\"\"", "\\\\x", "end\"", "\"start", "mixed \u{00} \u{7F} é \u{2028} 🔑\n"]
        samples.append(String((0..<128).map { Character(Unicode.Scalar(UInt8($0))) }))
        for sample in samples {
            let document = JSONValue.object([("Value", .string(sample)), ("Count", .int(3))])
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(document.serialized)) as? [String: Any])
            #expect(parsed["Value"] as? String == sample)
            #expect(parsed["Count"] as? Int == 3)
        }
    }
}
