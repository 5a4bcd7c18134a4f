// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// The commit this build comes from, compiled into `keyward --version`.
let commit = Context.gitInformation.map { $0.currentCommit + ($0.hasUncommittedChanges ? "-dirty" : "") } ?? "unknown"

let package = Package(
    name: "keyward",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "keyward", targets: ["keyward"]),
        .executable(name: "keyward-bench-ceiling", targets: ["keyward-bench-ceiling"]),
        .executable(name: "keyward-fuzz", targets: ["keyward-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", exact: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        .target(
            name: "SSHKeys",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "KeywardCore",
            dependencies: ["SSHKeys"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Policy",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Hygiene",
            dependencies: [
                "SSHKeys", "KeywardCore", "Instances",
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Instances",
            dependencies: [
                "SSHKeys", "KeywardCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Store",
            dependencies: [
                "KeywardCore", "SQLiteConfig",
                // Its vendored SQLite (the VaporCSQLite module), which Store drives directly.
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Services",
            dependencies: [
                "KeywardCore", "Policy", "Store", "SSHKeys", "Instances",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DialectWire",
            dependencies: [
                "KeywardCore",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Dialects",
            dependencies: [
                "DialectWire", "Services", "KeywardCore", "Store",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "Dialects", "DialectWire", "Services", "Store", "Console",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Console",
            dependencies: [
                "Services", "Dialects", "DialectWire", "Hygiene", "Instances", "KeywardCore", "SSHKeys",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Templates"), .embedInCode("Static")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SQLiteConfig",
            dependencies: [.product(name: "SQLiteNIO", package: "sqlite-nio")]
        ),
        .target(
            name: "KeywardBuildInfo",
            cSettings: [.define("KEYWARD_COMMIT", to: "\"\(commit)\"")]
        ),
        .executableTarget(
            name: "keyward",
            dependencies: [
                "Server", "Hygiene", "Instances", "KeywardBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "keyward-bench-ceiling",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "bench/ceiling",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "keyward-fuzz",
            dependencies: ["SSHKeys", "Policy", "Hygiene", "DialectWire"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SSHKeysTests", dependencies: ["SSHKeys", "Instances"], swiftSettings: swiftSettings),
        .testTarget(name: "PolicyTests", dependencies: ["Policy"], swiftSettings: swiftSettings),
        .testTarget(name: "KeywardCoreTests", dependencies: ["KeywardCore"], swiftSettings: swiftSettings),
        .testTarget(name: "HygieneTests", dependencies: ["Hygiene", "SSHKeys", "Instances"], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(name: "InstancesTests", dependencies: ["Instances", "SSHKeys", "KeywardCore"], swiftSettings: swiftSettings),
        .testTarget(name: "ServicesTests", dependencies: ["Services", "Store", "KeywardCore", "SSHKeys"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ConsoleTests",
            dependencies: [
                "Console", "Services", "Store", "KeywardCore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "StoreTests", dependencies: ["Store", "KeywardCore"], swiftSettings: swiftSettings),
        .testTarget(name: "DialectsTests", dependencies: ["Dialects", "DialectWire", "Services", "Store", "Instances", "KeywardCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Dialects", "DialectWire", "Services", "Store", "Instances",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
