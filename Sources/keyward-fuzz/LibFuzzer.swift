#if FUZZING
import Foundation

/// libFuzzer's own entry point, which runs a callback under its driver; it parses the flags it knows.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The target the driver's callback runs: the first argument, as `KeywardFuzz.main` checked.
private let current = CommandLine.arguments.dropFirst().first.flatMap(FuzzTarget.named)

enum LibFuzzer {
    static func run(_ target: FuzzTarget, arguments: [String]) -> Int32 {
        precondition(current?.name == target.name)
        var argc = Int32(arguments.count)
        var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        return pointers.withUnsafeMutableBufferPointer { buffer in
            var argv = buffer.baseAddress
            return runDriver(&argc, &argv) { data, size in
                let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
                current?.run(bytes)
                return 0
            }
        }
    }
}
#endif
