import Foundation

/// `keyward-fuzz TARGET [inputs or libFuzzer flags…]`.
///
/// Built with `-sanitize=fuzzer,address -DFUZZING` (`fuzz/run.sh`) it is a libFuzzer binary: the rest of the command
/// line goes to libFuzzer (corpus directories, `-runs=`, `-max_total_time=`). Built plainly, as `swift build` does,
/// it replays inputs: each file named, or every file of each directory named, is run through the target once, so that
/// a corpus stays a regression test without the fuzzer.
@main
struct KeywardFuzz {
    static func main() {
        var arguments = CommandLine.arguments
        #if FUZZING
        // libFuzzer runs itself again for -merge, -fork and -jobs, with the flags but without the target's name.
        if arguments.count < 2 || FuzzTarget.named(arguments[1]) == nil, let inherited = LibFuzzer.inheritedTarget {
            exit(LibFuzzer.run(inherited, arguments: arguments))
        }
        #endif
        guard arguments.count >= 2, let target = FuzzTarget.named(arguments[1]) else {
            let names = FuzzTarget.all.map { "  \($0.name): \($0.summary)" }.joined(separator: "\n")
            FileHandle.standardError.write(Data("usage: keyward-fuzz TARGET [inputs…]\ntargets:\n\(names)\n".utf8))
            exit(2)
        }
        arguments.remove(at: 1)
        #if FUZZING
        exit(LibFuzzer.run(target, arguments: arguments))
        #else
        exit(replay(target, paths: Array(arguments.dropFirst())))
        #endif
    }

    /// Runs every input once; a failure is a crash, as under the fuzzer.
    static func replay(_ target: FuzzTarget, paths: [String]) -> Int32 {
        let manager = FileManager.default
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("keyward-fuzz: \(path): no such file or directory\n".utf8))
                return 2
            }
            if isDirectory.boolValue {
                let names = (try? manager.contentsOfDirectory(atPath: path)) ?? []
                files += names.sorted().map { path + "/" + $0 }
            } else {
                files.append(path)
            }
        }
        for file in files {
            guard let data = manager.contents(atPath: file) else {
                FileHandle.standardError.write(Data("keyward-fuzz: \(file): unreadable\n".utf8))
                return 2
            }
            target.run(Array(data))
        }
        print("\(target.name): \(files.count) inputs replayed")
        return 0
    }
}
