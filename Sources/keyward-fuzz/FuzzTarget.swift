/// One input format fuzzed: a name on the command line and a function that must neither crash nor break the
/// properties it checks, whatever the bytes. A broken property is a `preconditionFailure`, which the fuzzer reports
/// with the input.
struct FuzzTarget: Sendable {
    let name: String
    let summary: String
    let run: @Sendable ([UInt8]) -> Void

    static let all: [FuzzTarget] = [.publicKey, .rpcRequest, .archive, .policy]

    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// Splits fuzz input at the first `separator`: a way to give one input several fields.
func split(_ bytes: [UInt8], at separator: UInt8) -> ([UInt8], [UInt8]) {
    guard let index = bytes.firstIndex(of: separator) else { return (bytes, []) }
    return (Array(bytes[..<index]), Array(bytes[(index + 1)...]))
}
