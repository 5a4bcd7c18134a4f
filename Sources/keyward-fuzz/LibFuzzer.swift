#if FUZZING
import Foundation
import Synchronization

/// libFuzzer's own entry point, which runs a callback under its driver; it parses the flags it knows.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The target the driver's callback runs (see `LibFuzzer.run`).
private let current = Mutex<FuzzTarget?>(nil)

enum LibFuzzer {
    /// The environment variable that names the target to the fuzzer's own child processes.
    static let targetVariable = "KEYWARD_FUZZ_TARGET"

    /// The target a parent run named, for a child process libFuzzer started.
    static var inheritedTarget: FuzzTarget? {
        ProcessInfo.processInfo.environment[targetVariable].flatMap(FuzzTarget.named)
    }

    static func run(_ target: FuzzTarget, arguments: [String]) -> Int32 {
        current.withLock { $0 = target }
        setenv(targetVariable, target.name, 1)
        var argc = Int32(arguments.count)
        var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        return pointers.withUnsafeMutableBufferPointer { buffer in
            var argv = buffer.baseAddress
            return runDriver(&argc, &argv) { data, size in
                let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
                current.withLock { $0 }?.run(bytes)
                return 0
            }
        }
    }
}
#endif
